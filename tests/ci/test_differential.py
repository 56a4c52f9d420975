"""Differential self-test: random specs checked three ways must agree.

Each spec from ``verifier.testing.strategies.specs()`` is explored by a small, obviously
correct breadth-first search written here over ``semantics.successors`` (the reference
semantics), and by the explicit engine three ways: on the kernel engine (native code,
which must apply to every generated spec), on the compiled Python stepper when the
compiler supports the spec (``compiled="auto"``) and on the reference stepper
(``compiled="off"``). They must agree on the distinct-state count, every verdict, and
the length of every trace (breadth-first: the shortest); every engine trace must
replay step by step through the reference semantics. A few specs also go through the
bounded model checker (Z3), which must find the same shortest traces.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import results as R
from verifier.engine import run_check
from verifier.engine.options import CheckOptions
from verifier.engine.trace import display_state
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.testing.strategies import instance_transitions, specs, step_label


@dataclass
class Reference:
    """What the reference BFS knows: each reachable state's distance from an initial one."""

    dist: dict[sem.State, int]
    error_at: int | None  # length of the shortest trace ending in a run-time error

    def shortest(self, pred: object) -> int | None:
        hits = [d for s, d in self.dist.items() if pred(s)]  # type: ignore[operator]
        return min(hits) if hits else None


def reference_bfs(model: M.Model) -> Reference:
    dist: dict[sem.State, int] = {}
    frontier = []
    for s in sem.initial_states(model):
        if s not in dist:
            dist[s] = 0
            frontier.append(s)
    error_at = None
    depth = 0
    while frontier:
        nxt = []
        for s in frontier:
            if not all(sem.holds(c, s) for c in model.constraints):
                continue  # stored, not expanded (as the engines do)
            for tr in sem.successors(model, s):
                if tr.target is None:
                    error_at = depth + 1 if error_at is None else error_at
                elif tr.target not in dist:
                    dist[tr.target] = depth + 1
                    nxt.append(tr.target)
        frontier = nxt
        depth += 1
    return Reference(dist, error_at)


def replays(model: M.Model, trace: R.Trace) -> bool:
    """Whether every step of ``trace`` is a transition of the reference semantics."""
    states = [s for s in sem.initial_states(model) if display_state(model, s) == trace.initial]
    if not states:
        return False
    state = states[0]
    for step in trace.steps:
        nxt = None
        for tr in sem.successors(model, state):
            same_state = (tr.target is None and step.state is None) or (
                tr.target is not None and step.state == display_state(model, tr.target))
            if step_label(model, tr) == step.label() and same_state:
                nxt = tr
                break
        if nxt is None:
            return False
        if nxt.target is None:
            return step is trace.steps[-1]
        state = nxt.target
    return True


def load(text: str, fault_cap: bool) -> M.Model:
    return check_spec(parse(text, "random.fsl"), text, fault_total=1 if fault_cap else None)


def expected_verdicts(model: M.Model, ref: Reference) -> dict[str, tuple[str, int | None]]:
    out: dict[str, tuple[str, int | None]] = {}
    for p in model.properties:
        if p.kind == "invariant":
            n = ref.shortest(lambda s, p=p: not sem.holds(p, s))
            out[p.name] = (R.VIOLATED if n is not None else R.HOLDS, n)
        elif p.kind == "reachable":
            n = ref.shortest(lambda s, p=p: sem.holds(p, s))
            out[p.name] = (R.HOLDS if n is not None else R.VACUOUS, n)
    if ref.error_at is not None:
        out["RuntimeError"] = (R.VIOLATED, ref.error_at)
    return out


def agree(model: M.Model, result: R.CheckResult, want: dict[str, tuple[str, int | None]],
          states: int, what: str) -> None:
    assert result.complete, what
    assert result.stats.states == states, f"{what}: {result.stats.states} states, reference {states}"
    got = {p.name: p for p in result.properties}
    assert set(got) == set(want), what
    for name, (verdict, length) in want.items():
        p = got[name]
        assert p.verdict == verdict, f"{what}: {name} is {p.verdict}, reference {verdict}"
        if length is None:
            assert p.trace is None, f"{what}: {name} has a trace"
        else:
            assert p.trace is not None and len(p.trace) == length, (
                f"{what}: {name} trace of {len(p.trace) if p.trace else None} steps, reference {length}")
            assert replays(model, p.trace), f"{what}: the trace of {name} does not replay"


@given(specs(), st.booleans())
def test_engines_agree_with_reference_bfs(text: str, fault_cap: bool) -> None:
    model = load(text, fault_cap)
    ref = reference_bfs(model)
    want = expected_verdicts(model, ref)
    for kernel, compiled in (("on", "auto"), ("off", "auto"), ("off", "off")):
        result = run_check(model, CheckOptions(kernel=kernel, compiled=compiled))
        agree(model, result, want, len(ref.dist), f"kernel={kernel} compiled={compiled}\n{text}")


@settings(max_examples=15)
@given(specs(), st.booleans())
def test_action_instances_make_up_successors(text: str, fault_cap: bool) -> None:
    """``strategies.instance_transitions`` over every instance is ``semantics.successors``."""
    model = load(text, fault_cap)
    for state in list(reference_bfs(model).dist)[:25]:
        pieces = []
        for a in model.actions:
            for params in sem.param_valuations(a):
                pieces += instance_transitions(model, state, a, params)
        full = sem.successors(model, state)
        assert [(t.action, t.params, t.target) for t in pieces] == \
            [(t.action, t.params, t.target) for t in full]


def test_the_compiled_path_is_exercised() -> None:
    """Most generated specs compile, so `compiled="auto"` above runs the fast path."""
    from verifier.engine.codegen import Unsupported, compile_stepper

    outcomes: list[bool] = []

    @settings(max_examples=20, derandomize=True)
    @given(specs())
    def compiles(text: str) -> None:
        model = load(text, False)
        try:
            compile_stepper(model, model.invariants)
            outcomes.append(True)
        except Unsupported:
            outcomes.append(False)

    compiles()
    assert sum(outcomes) >= 0.75 * len(outcomes)


@settings(max_examples=8)
@given(specs(max_vars=2, max_actions=3))
def test_bmc_finds_the_same_shortest_traces(text: str) -> None:
    from verifier.symbolic.bmc import run_bmc
    from verifier.symbolic.options import BMC, ProveOptions

    model = load(text, False)
    ref = reference_bfs(model)
    depth = max(ref.dist.values(), default=0) + 1
    result = run_bmc(model, ProveOptions(mode=BMC, depth=depth, timeout=20))
    got = {p.name: p for p in result.properties}
    for name, (_, length) in expected_verdicts(model, ref).items():
        if name == "RuntimeError":
            continue
        p = got[name]
        if length is not None:
            assert p.trace is not None and len(p.trace) == length, f"{name}\n{text}"
        else:
            assert p.verdict in (R.HOLDS, R.VACUOUS, R.INCONCLUSIVE), f"{name}\n{text}"
