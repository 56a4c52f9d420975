"""Induction (with Houdini over the spec's invariants) and k-induction: proofs, the
invariants each proof used, counterexamples to induction and what they mean."""

from __future__ import annotations

import pytest

from tests.symbolic.conftest import MODELS, SPECS, by_name, explicit, load
from verifier import results as R
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.symbolic.induction import run_induction
from verifier.symbolic.kinduction import run_kinduction
from verifier.symbolic.options import KINDUCTION, ProveOptions

HELPER = "\ninvariant LockHeld: lock <=> (exists p in Proc: pc[p] == critical)\n"


def mutex_text() -> str:
    return (SPECS / "mutex.fsl").read_text().replace("lane p in Proc: pc[p]", "")


def test_mutex_invariant_is_inductive_with_its_helper(spec) -> None:
    res = by_name(run_induction(spec(mutex_text() + HELPER), ProveOptions()))
    assert res["MutualExclusion"].verdict == R.HOLDS
    assert res["MutualExclusion"].note == "inductive with LockHeld"
    assert res["LockHeld"].verdict == R.HOLDS
    assert "SomeoneEnters" not in res  # reachables are for --bmc


def test_without_the_helper_a_cti_from_an_unreachable_state(spec) -> None:
    result = run_induction(spec(mutex_text()), ProveOptions())
    p = by_name(result)["MutualExclusion"]
    assert p.verdict == R.INCONCLUSIVE  # true, but not inductive: exit code 3
    assert "pre-state of the counterexample to induction is unreachable" in (p.note or "")
    assert "holds in all 20 reachable states" in (p.note or "")
    assert p.trace is None  # no execution: the pre-state is unreachable
    assert p.cti is not None and len(p.cti.steps) == 1
    pre = dict(p.cti.initial)
    critical = [k for k, v in pre["pc"].pairs if v == "critical"]  # type: ignore[union-attr]
    assert len(critical) == 1 and pre["lock"] is False  # someone critical without the lock
    assert p.cti.steps[0].action == "Enter"


def test_cti_with_a_reachable_pre_state_is_a_violation(spec) -> None:
    buggy = mutex_text().replace("require pc[p] == waiting and not lock", "require pc[p] == waiting")
    p = by_name(run_induction(spec(buggy), ProveOptions()))["MutualExclusion"]
    assert p.verdict == R.VIOLATED
    assert p.trace is not None and len(p.trace.steps) == 4  # shortest: two requests, two enters


def test_corrected_triad_scenario_is_proved_and_buggy_one_refuted() -> None:
    good = load_config(MODELS / "triad_fixed.toml")
    fixed = by_name(run_induction(load_model(good), ProveOptions(properties=good.properties)))
    assert "AtMostOneMaster" in fixed and all(p.verdict == R.HOLDS for p in fixed.values()), {n: p.note for n, p in fixed.items()}
    assert fixed["AtMostOneMaster"].note == (
        "inductive with TertiaryNeverMaster, MasterIsUp, SilenceSkew, MasterHasQuorum")
    cfg = load_config(MODELS / "triad_dual_master.toml")
    bad = by_name(run_induction(load_model(cfg), ProveOptions(), expect=dict(cfg.expect)))["AtMostOneMaster"]
    assert bad.verdict == R.VIOLATED and bad.as_expected
    # the shortest counterexample, by bounded model checking, from an initial state ...
    assert bad.trace is not None and [s.label() for s in bad.trace.steps] == ["Isolate(P)", "Tick", "Elect(S)"]
    assert "by bounded model checking; the explicit engine agrees" in (bad.note or "")
    # ... and the counterexample to induction the failed proof found
    assert bad.cti is not None and len(bad.cti.steps) == 1
    pre, post = dict(bad.cti.initial), dict(bad.cti.steps[0].state or ())
    assert sum(v for _, v in pre["master"].pairs) == 1  # type: ignore[union-attr,misc]
    assert sum(v for _, v in post["master"].pairs) == 2  # type: ignore[union-attr,misc]


def test_initial_violation_is_reported_with_a_zero_step_trace(spec) -> None:
    p = by_name(run_induction(spec("var x: 0..3 = 2\naction A { x = 1 }\ninvariant Small: x < 2\n"),
                              ProveOptions()))["Small"]
    assert p.verdict == R.VIOLATED and p.trace is not None and len(p.trace.steps) == 0


def test_unbounded_counter_is_proved_by_induction() -> None:
    res = by_name(run_induction(load(SPECS / "epoch.fsl"), ProveOptions()))
    assert all(p.verdict == R.HOLDS for p in res.values())
    assert res["FencedWrites"].note == "inductive with EpochsIssued"


def test_kinduction_proves_what_one_step_cannot() -> None:
    res = by_name(run_kinduction(load(SPECS / "mutex.fsl"), ProveOptions(mode=KINDUCTION, depth=6)))
    assert res["MutualExclusion"].verdict == R.HOLDS
    assert res["MutualExclusion"].note == "4-inductive"


def test_kinduction_base_case_finds_real_bugs(spec) -> None:
    buggy = mutex_text().replace("require pc[p] == waiting and not lock", "require pc[p] == waiting")
    p = by_name(run_kinduction(spec(buggy), ProveOptions(mode=KINDUCTION, depth=6)))["MutualExclusion"]
    assert p.verdict == R.VIOLATED and p.trace is not None and len(p.trace.steps) == 4


def test_kinduction_gives_up_at_k_with_a_path(spec) -> None:
    p = by_name(run_kinduction(spec(mutex_text()), ProveOptions(mode=KINDUCTION, depth=2)))["MutualExclusion"]
    assert p.verdict == R.INCONCLUSIVE and p.trace is None
    assert p.cti is not None and len(p.cti.steps) == 2


@pytest.mark.parametrize("name", sorted(p.stem for p in MODELS.glob("*.toml")))
def test_induction_on_shipped_models_agrees_with_explicit(name: str) -> None:
    """Per invariant: proved only if the explicit engine found it true; refuted only if it
    found it false, with a counterexample exactly as long; inconclusive only for a true
    invariant, and then with a counterexample to induction to show."""
    cfg = load_config(MODELS / f"{name}.toml")
    model = load_model(cfg)
    ex = by_name(explicit(model, properties=cfg.properties))
    result = run_induction(model, ProveOptions(properties=cfg.properties))
    assert result.properties, name
    for p in result.properties:
        e = ex[p.name]
        if p.verdict == R.VIOLATED:
            assert e.verdict == R.VIOLATED and p.trace is not None and e.trace is not None, p.name
            assert len(p.trace.steps) == len(e.trace.steps), p.name
        else:
            assert e.verdict == R.HOLDS, (p.name, p.verdict, p.note)
            assert p.verdict == R.HOLDS or (p.verdict == R.INCONCLUSIVE and p.cti is not None), p.name
