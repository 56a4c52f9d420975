"""Symmetry reduction: the reduced search against the unreduced one.

- Differential: random symmetric specs (``verifier/testing/symgen.py``: sorted and
  permutation canonical forms, product groups, faults, run-time errors, liveness under
  `fair any` and refused per-instance fairness) checked with and without the reduction
  must agree on every verdict; each counterexample of the reduced run is a real trace
  (the check replays it through the reference semantics itself).
- The kernel's canonical form equals the Python one (``Canon``) state by state, with
  the same stabilizer sizes.
- Pinned counts of the HAL models, reduced and not.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from verifier import results as R
from verifier.config import load_model as load_config
from verifier.config import with_overrides
from verifier.config.load import load_model
from verifier.engine import kernel as K
from verifier.engine import run_check
from verifier.engine.kernel.layout import KernelLayout
from verifier.engine.kernel.symmetry import canon_rows
from verifier.engine.options import CheckOptions
from verifier.engine.symmetry import Canon, Group, plan
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.reports.jsonio import result_from_json, result_to_json
from verifier.testing.symgen import symmetric_spec

ROOT = Path(__file__).resolve().parents[2]
# 0..79 but 42, whose unreduced state space is too large for a test (400 seeds agreed
# when this was written: bench-style runs of the same loop)
SEEDS = [s for s in range(80) if s != 42]


def _model(seed: int) -> M.Model:
    text, faults = symmetric_spec(random.Random(seed))
    return check_spec(parse(text, f"sym{seed}.fsl"), text, faults=faults)


def _verdicts(r: R.CheckResult) -> dict[str, str]:
    return {p.name: p.verdict for p in r.properties}


@pytest.mark.parametrize("seed", SEEDS)
def test_reduced_and_unreduced_checks_agree(seed: int) -> None:
    m = _model(seed)
    full = run_check(m, CheckOptions(kernel="on", symmetry=False, max_states=200_000))
    red = run_check(m, CheckOptions(kernel="on"))
    assert full.complete and red.complete
    assert _verdicts(red) == _verdicts(full)
    assert red.stats.states <= full.stats.states
    assert red.symmetry is not None
    if red.symmetry.reduced:
        # the classes of the stored states hold every reachable state (and more when the
        # initial states single members out)
        assert red.symmetry.represents >= full.stats.states
    else:
        assert red.symmetry.note and "every state is stored" in red.symmetry.note
        assert red.stats.states == full.stats.states
    for p in red.properties:  # a violation comes with a real trace of as many steps
        if p.verdict == R.VIOLATED and p.kind in ("invariant", "runtime"):
            q = next(x for x in full.properties if x.name == p.name)
            assert p.trace is not None and q.trace is not None
            assert len(p.trace.steps) == len(q.trace.steps)


def test_the_generated_specs_cover_both_forms_and_liveness() -> None:
    methods, live_reduced, refused = set(), 0, 0
    for seed in SEEDS:
        m = _model(seed)
        g = plan(m, m.liveness, CheckOptions())
        if isinstance(g, Group):
            methods.add(g.method)
            live_reduced += bool(m.liveness)
        elif isinstance(g, str) and "fairness for each instance" in g:
            refused += 1
    assert {"sort", "permutations"} <= methods or {"sort", "sort+permutations"} <= methods
    assert live_reduced >= 8 and refused >= 1


@pytest.mark.parametrize("model", ["hal_n3", "hal_seat_theft"])
def test_kernel_canonical_form_is_the_python_one(model: str) -> None:
    m = load_model(load_config(ROOT / "models" / f"{model}.toml"))
    g = plan(m, (), CheckOptions())
    assert isinstance(g, Group) and g.method == "sort"
    prepared = K.prepare(m, (), (), g)
    lay = KernelLayout.of(m)
    canon = Canon(m, g)
    states, seen = list(sem.initial_states(m)), set(sem.initial_states(m))
    for s in states:  # the first reachable states, breadth-first
        if len(states) > 400:
            break
        for tr in sem.successors(m, s):
            if tr.target is not None and tr.target not in seen:
                seen.add(tr.target)
                states.append(tr.target)
    rows = np.array([lay.encode(s) for s in states], dtype=np.int64).reshape(len(states), lay.words)
    out, stab = canon_rows(prepared.kernel, rows)
    for s, row, k in zip(states, out, stab, strict=True):
        c, ren, count = canon.canonical(s)
        assert canon.rename(s, ren) == c
        assert [int(x) for x in row] == list(lay.encode(c))
        assert int(k) == count


def test_permutation_form_agrees_with_python() -> None:
    seed = next(s for s in SEEDS if (g := plan(_model(s), (), CheckOptions())) is not None
                and isinstance(g, Group) and g.tried)
    m = _model(seed)
    g = plan(m, (), CheckOptions())
    assert isinstance(g, Group)
    prepared = K.prepare(m, (), (), g)
    lay, canon = KernelLayout.of(m), Canon(m, g)
    states = list(sem.initial_states(m))
    for s in list(states):
        states += [tr.target for tr in sem.successors(m, s) if tr.target is not None]
    rows = np.array([lay.encode(s) for s in states], dtype=np.int64).reshape(len(states), lay.words)
    out, stab = canon_rows(prepared.kernel, rows)
    for s, row, k in zip(states, out, stab, strict=True):
        c, _, count = canon.canonical(s)
        assert [int(x) for x in row] == list(lay.encode(c)) and int(k) == count


# HAL with the hal_n5 caps (Crash = 2, Isolate = 1, LICENSES = 2, CLIENTS = 3, the
# corrected design): distinct states reduced and unreduced
HAL = [("hal_n3", {}, 2_610, 5_196), ("hal_n4", {}, 4_962, 11_467), ("hal_n5", {}, 12_539, 62_994),
       ("hal_n5", {"N": 8}, 14_860, None), ("hal_n5", {"N": 12}, 14_860, None)]


@pytest.mark.parametrize("model, consts, reduced, full", HAL)
def test_hal_pinned_counts(model: str, consts: dict[str, int], reduced: int, full: int | None) -> None:
    cfg = with_overrides(load_config(ROOT / "models" / f"{model}.toml"), constants=consts or None)
    m = load_model(cfg)
    props = tuple(p.name for p in m.properties if p.kind == "invariant")[:2]
    r = run_check(m, CheckOptions(kernel="on", properties=props))
    assert r.complete and r.symmetry is not None and r.symmetry.reduced
    assert r.symmetry.method == "sort"
    assert r.stats.states == reduced
    if full is not None:
        u = run_check(m, CheckOptions(kernel="on", properties=props, symmetry=False))
        assert u.stats.states == full
        assert _verdicts(u) == _verdicts(r)


def test_a_counterexample_is_a_real_trace_of_the_spec() -> None:
    m = load_model(load_config(ROOT / "models" / "hal_seat_theft.toml"))
    red = run_check(m, CheckOptions(kernel="on", properties=("NoOverIssue",)))
    full = run_check(m, CheckOptions(kernel="on", properties=("NoOverIssue",), symmetry=False))
    assert red.symmetry is not None and red.symmetry.reduced
    p, q = red.properties[0], full.properties[0]
    assert p.verdict == q.verdict == R.VIOLATED
    assert p.trace is not None and q.trace is not None
    assert len(p.trace.steps) == len(q.trace.steps)
    # it starts in the spec's own initial state (Member3 the standby), not a renaming of it
    assert p.trace.steps[0].state == q.trace.steps[0].state


LIVE = """\
symmetric enum M[3]
var up: M -> bool = {m: true for m in M}
fault action Crash(m: M) {
  require up[m]
  up[m] = false
}
fair action Restart(m: M) {
  require not up[m]
  up[m] = true
}
liveness Back: (exists m in M: not up[m]) ~> (forall m in M: up[m])
"""


def test_liveness_under_fairness_for_each_member_is_checked_unreduced_and_says_why() -> None:
    m = check_spec(parse(LIVE, "live.fsl"), LIVE, faults={"Crash": 2})
    r = run_check(m, CheckOptions(kernel="on"))
    assert r.symmetry is not None and not r.symmetry.reduced
    assert r.symmetry.note is not None and "fairness for each instance of Restart" in r.symmetry.note
    assert _verdicts(r) == {"Back": R.HOLDS}
    any_ = LIVE.replace("fair action", "fair any action")
    m2 = check_spec(parse(any_, "live.fsl"), any_, faults={"Crash": 2})
    r2 = run_check(m2, CheckOptions(kernel="on"))
    assert r2.symmetry is not None and r2.symmetry.reduced
    assert _verdicts(r2) == {"Back": R.HOLDS}
    assert r2.stats.states < r.stats.states


def test_the_reduction_is_reported_and_survives_json() -> None:
    from verifier.reports import render_markdown, render_text

    m = load_model(load_config(ROOT / "models" / "hal_n3.toml"))
    r = run_check(m, CheckOptions(kernel="on", properties=("NoOverIssue",)))
    text = render_text(r)
    assert "Symmetry" in text and "6 renamings" in text and "2,610" in text
    assert "Symmetry" in render_markdown(r)
    back = result_from_json(result_to_json(r))
    assert back.symmetry == r.symmetry
    assert json.loads(result_to_json(r))["symmetry"]["method"] == "sort"
    off = run_check(m, CheckOptions(kernel="on", properties=("NoOverIssue",), symmetry=False))
    assert off.symmetry is not None and "--no-symmetry" in (off.symmetry.note or "")
    assert "--no-symmetry" in render_text(off)
    py = run_check(m, CheckOptions(kernel="off", properties=("NoOverIssue",)))
    assert py.symmetry is not None and "needs the kernel engine" in (py.symmetry.note or "")
