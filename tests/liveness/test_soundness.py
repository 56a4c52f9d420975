"""The random soundness tier of the liveness check: on random tiny specs with weak,
strong, per-instance and per-action fairness, fault actions under caps and temporal
properties of every form, `verifier check` (compiled stepper, the real graph builder
and algorithms) must give the verdict of the brute-force reference (tests/liveness/
reference.py, on the reference semantics' graph), and every counterexample the engine
finds must be a real fair behaviour that violates the property. Zero disagreements.
The CI profile runs a few hundred specs; HYPOTHESIS_PROFILE=nightly runs thousands."""

from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, assume, given, settings

from tests.liveness.reference import Ref
from verifier import results as R
from verifier.engine import run_check
from verifier.engine.liveness import conditions, numbered_succ, reference_graph, violation
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.testing.specgen import liveness_spec

NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE") == "nightly"
TIER = settings(max_examples=3000 if NIGHTLY else 300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
MAX_STATES = 11  # the reference tries every subset of the states


def _model(text: str, faults: dict[str, int]) -> M.Model:
    return check_spec(parse(text, "live.fsl"), text, faults=faults)


@TIER
@given(liveness_spec())
def test_the_check_agrees_with_the_brute_force_reference(case: tuple[str, dict[str, int]]) -> None:
    text, faults = case
    model = _model(text, faults)
    graph = reference_graph(model, 10_000)
    assume(len(graph.states) <= MAX_STATES)
    ref = Ref(model, graph)
    result = run_check(model, CheckOptions(compiled="auto"))
    got = {p.name: p for p in result.properties if p.kind == R.LIVENESS}
    succ = numbered_succ(model, graph)
    conds = conditions(model)
    for p in model.liveness:
        want = ref.violated(p)
        verdict = got[p.name].verdict
        if p.form != "ltl":
            assert verdict == (R.VIOLATED if want else R.HOLDS), (p.name, text, faults)
        elif want:  # the lasso enumeration is one-sided: it finds only short lassos
            assert verdict == R.VIOLATED, (p.name, text, faults)
        # every counterexample of the engine's algorithms is real (on the reference graph)
        for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
            env = {q.slot: v for q, v in zip(p.params, values)}
            found = violation(model, p, succ, graph.initial, conds,
                              lambda e, env=env: ref.truth(e, env), 10**6)
            if found is None:
                continue
            _assert_real(model, ref, p, env, found)


def _assert_real(model: M.Model, ref: Ref, p: M.Liveness, env: dict[int, object], found) -> None:  # type: ignore[no-untyped-def]
    bases = instance_bases(model)
    action_of = [a for a in range(len(model.actions)) for _ in range(bases[a + 1] - bases[a])]
    states = [found.start] + [v for _, v in found.steps]
    units = [(action_of[g], g - bases[action_of[g]]) for g, _ in found.steps]
    at = found.start
    for (a, k), v in zip(units, states[1:]):
        assert any(e == (a, k, v) for e in ref.g.succ[at]), "a step that is not an edge"
        at = v
    assert found.start in ref.g.initial
    if p.tick is not None:  # judged on the graph without the non-urgent ticks
        ref = Ref(model, ref.urgent(p.tick))
    if found.loop is None:  # a bound: the path counts past it through kept states
        assert p.bound is not None and found.trigger is not None
        return
    if found.stutter:
        assert ref.stutter[states[-1]] and found.loop == len(states) - 1
        cycle_states, cycle_units = [states[-1]], []
    else:
        cycle_states = states[found.loop:-1]
        cycle_units = units[found.loop:]
        assert states[-1] == states[found.loop]
        assert ref.fair_cycle(cycle_states, cycle_units), "an unfair cycle"
    if p.form == "ltl":
        assert p.formula is not None
        loop = len(states) - 1 if found.stutter else found.loop
        word = states if found.stutter else states[:-1]
        assert ref.lasso_violates(p.formula, env, word, units, loop)
        return
    goal = ref.truth(p.goal, env)
    if p.form == "persistence":
        assert any(not goal[u] for u in cycle_states)
        return
    keep = [not x for x in goal]
    if p.keep is not None:
        keep = [k and r for k, r in zip(keep, ref.truth(p.keep, env))]
    first = found.trigger if p.form == "leadsto" else found.loop
    assert all(keep[u] for u in states[first:])
    if p.form == "leadsto":
        assert ref.truth(p.trigger, env)[states[first]]


def test_the_reference_knows_strong_from_weak_fairness() -> None:
    text = """
var lock: bool = false
var w: bool = true
{F} action Enter { require w and not lock
  w = false }
fair action Take { lock = not lock }
liveness Gets: always eventually not w
"""
    for fairness, violated in (("", True), ("fair", True), ("strong fair", False)):
        model = _model(text.replace("{F}", fairness), {})
        graph = reference_graph(model, 100)
        assert Ref(model, graph).violated(model.liveness[0]) is violated, fairness
        res = run_check(model, CheckOptions())
        assert res.properties[-1].verdict == (R.VIOLATED if violated else R.HOLDS)



def test_urgency_can_leave_states_unreachable() -> None:
    """Found by this tier: with the fair A0 always enabled, no tick of A1 is ever taken
    (the other fair actions are urgent), so the states after A1 are unreachable in the
    graph the bound is judged on; the search assumed every state reachable and crashed."""
    text = """
var v0: 0..1 = 0
var v1: 0..1 = 0
fair action A0 {
  v0 = 1
}
strong fair any action A1 {
  v1 = 1
}
liveness L0: true ~> v1 != 1 within 0 ticks of A1
liveness L1: true ~> v1 == 1 within 3 ticks of A1
"""
    model = _model(text, {})
    ref = Ref(model, reference_graph(model, 100))
    res = {p.name: p.verdict for p in run_check(model, CheckOptions()).properties}
    for p in model.liveness:
        assert res[p.name] == (R.VIOLATED if ref.violated(p) else R.HOLDS)
    assert res == {"L0": R.HOLDS, "L1": R.VIOLATED}
