"""Bounded model checking agrees with the explicit engine: same verdicts, counterexamples
and witnesses exactly as long as the breadth-first ones, run-time errors included."""

from __future__ import annotations

import pytest

from tests.symbolic.conftest import MODELS, SPECS, by_name, explicit, load
from verifier import results as R
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.symbolic.bmc import run_bmc
from verifier.symbolic.errors import ModelProblem, Unsupported
from verifier.symbolic.options import BMC, ProveOptions

BUGGY = """
const N: 2..4 = 2
type Proc = 0..N-1
enum Pc { idle, waiting, critical }
var pc: Proc -> Pc = {p: idle for p in Proc}
var lock: bool = false
var x: 0..3 = 0
var seen: set[Proc] = {}
var last: Proc? = none
action Request(p: Proc) {
  require pc[p] == idle
  pc[p] = waiting
}
action Enter(p: Proc) {
  require pc[p] == waiting
  either { require not lock } or { require x >= 1 }
  lock = true
  pc[p] = critical
  seen = seen | {p}
  last = p
}
action Exit(p: Proc) {
  require pc[p] == critical
  lock = false
  pc[p] = idle
}
action Bump() {
  pick q in seen {
    x = x + 1
  }
}
invariant MutualExclusion: count(p in Proc: pc[p] == critical) <= 1
invariant LastSeen: last == none or last in seen
reachable Two: len(seen) == 2
"""


def lengths(result: R.CheckResult) -> dict[str, tuple[str, int | None]]:
    """Verdict and trace length per property (liveness is the explicit engine's alone)."""
    return {p.name: (p.verdict, len(p.trace.steps) if p.trace else None) for p in result.properties
            if p.kind != R.LIVENESS}


def assert_agree(ex: R.CheckResult, sym: R.CheckResult) -> None:
    """Every explicit counterexample or witness has a symbolic twin of the same length;
    a property the explicit engine found true is never refuted symbolically."""
    e, s = lengths(ex), lengths(sym)
    for name, (verdict, n) in e.items():
        got = s.get(name)
        if n is not None:
            assert got == (verdict, n), (name, e[name], got)
        elif name in s:
            assert got is not None and got[0] in (verdict, R.INCONCLUSIVE), (name, e[name], got)
    for name, (verdict, n) in s.items():
        if n is not None:
            assert e.get(name) == (verdict, n), (name, e.get(name), s[name])


def test_mutex_bmc_is_complete_and_agrees() -> None:
    model = load(SPECS / "mutex.fsl")
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=30, induct=False))
    assert sym.complete and sym.stats.depth == 18  # the longest loop-free path
    assert lengths(sym) == lengths(explicit(model)) == {
        "MutualExclusion": (R.HOLDS, None), "SomeoneEnters": (R.HOLDS, 2)}


def test_buggy_spec_counterexamples_and_runtime_error_are_shortest(spec) -> None:
    model = spec(BUGGY)
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=8))
    ex = explicit(model)
    assert lengths(sym)["MutualExclusion"] == (R.VIOLATED, 5)
    assert lengths(sym)["RuntimeError"] == (R.VIOLATED, 6)
    assert "outside its type 0..3" in (by_name(sym)["RuntimeError"].trace.error or "")
    assert by_name(sym)["LastSeen"].verdict == R.HOLDS  # proved by the induction pass
    assert_agree(ex, sym)


def test_traces_are_rendered_like_the_explicit_ones(spec) -> None:
    model = spec(BUGGY)
    sym = by_name(run_bmc(model, ProveOptions(mode=BMC, depth=6)))["MutualExclusion"]
    ex = by_name(explicit(model))["MutualExclusion"]
    assert sym.trace is not None and ex.trace is not None
    assert sym.trace.initial == ex.trace.initial
    assert [st.action for st in sym.trace.steps][-1] == "Enter"
    assert sym.location == ex.location


def test_epoch_with_a_bound_agrees(spec) -> None:
    text = (SPECS / "epoch.fsl").read_text() + "\nconstraint Small: issued <= 3\n"
    for fencing in (True, False):
        model = spec(text, FENCING=fencing)
        assert_agree(explicit(model), run_bmc(model, ProveOptions(mode=BMC, depth=8)))


def test_unreachable_reachable_is_proved_vacuous(spec) -> None:
    model = spec("var x: 0..3 = 0\naction Up { require x < 2\n x = x + 1 }\n"
                 "invariant Low: x <= 2\nreachable Three: x == 3\n")
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=5))
    assert lengths(sym) == lengths(explicit(model)) == {"Low": (R.HOLDS, None), "Three": (R.VACUOUS, None)}


ALL_MODELS = sorted(p.stem for p in MODELS.glob("*.toml"))


def test_every_shipped_model_is_covered() -> None:
    assert len(ALL_MODELS) >= 27


@pytest.mark.parametrize("name", ALL_MODELS)
def test_shipped_models_agree_with_explicit(name: str) -> None:
    cfg = load_config(MODELS / f"{name}.toml")
    model = load_model(cfg)
    ex = explicit(model, properties=cfg.properties)
    depth = max([len(p.trace.steps) for p in ex.properties if p.trace] + [0])
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=depth, properties=cfg.properties))
    assert_agree(ex, sym)


def test_runtime_error_in_an_initial_condition_is_a_model_problem(spec) -> None:
    model = spec("var x: 0..3\ninit: 10 // x > 1\naction A { x = 1 }\ninvariant I: true\n")
    with pytest.raises(ModelProblem):
        run_bmc(model, ProveOptions(mode=BMC, depth=2))


def test_unencodable_construct_is_reported_unsupported(spec) -> None:
    model = spec("var n: int = 0\naction A { n = n + 1 }\n"
                 "invariant I: forall i in 0..n: i >= 0\n")
    with pytest.raises(Unsupported):
        run_bmc(model, ProveOptions(mode=BMC, depth=2))


def test_every_found_trace_replays(spec) -> None:
    # a spec whose only error path lies behind an earlier, successful `either` branch
    model = spec("var x: 0..2 = 0\naction A { either { x = 1 } or { x = 5 } }\n"
                 "action B { either { x = 7 } or { x = 2 } }\n"
                 "reachable Two: x == 2\n")
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=3))
    ex = explicit(model)
    # B fails on its first branch, so its second never runs: x == 2 is unreachable
    assert lengths(ex)["Two"] == (R.VACUOUS, None)
    assert lengths(sym)["RuntimeError"] == lengths(ex)["RuntimeError"] == (R.VIOLATED, 1)
    assert lengths(sym)["Two"][0] in (R.VACUOUS, R.INCONCLUSIVE)


def test_depth_hook_reports_every_depth() -> None:
    seen: list[int] = []
    run_bmc(load(SPECS / "mutex.fsl"), ProveOptions(mode=BMC, depth=3, completeness=False),
            on_depth=lambda d, t: seen.append(d))
    assert seen == [0, 1, 2, 3]


def test_unknown_is_inconclusive_never_holds(spec) -> None:
    model = load(SPECS / "triad.fsl")
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=3, timeout=0.001, induct=False))
    assert all(p.verdict in (R.INCONCLUSIVE, R.VIOLATED, R.HOLDS) for p in sym.properties)
    assert not any(p.verdict == R.HOLDS and p.kind == "invariant" for p in sym.properties)
