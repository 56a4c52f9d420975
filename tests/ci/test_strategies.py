"""``verifier.testing.strategies``: behaviours are valid executions and shrink to short, few-fault
schedules; random specs always check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from verifier.config.load import load_spec
from verifier.engine.trace import replay
from verifier.lang import semantics as sem
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.testing.strategies import Behaviour, Walker, behaviours, specs

ROOT = Path(__file__).resolve().parents[2]

# Breaking needs two increments and one fault, in any order; the many other faults and
# actions are noise that shrinking must remove.
NEEDS_A_FAULT = """
enum Node { a, b, c }
var x: 0..5 = 0
var broken: bool = false
var noise: Node -> bool = {n: false for n in Node}
action Inc { x = min(x + 1, 5) }
action Flip(n: Node) { noise[n] = not noise[n] }
fault action Break { broken = true }
fault action Glitch(n: Node) { noise[n] = true }
invariant Fine: not (broken and x >= 2)
"""


def model_of(text: str) -> object:
    return check_spec(parse(text, "test.fsl"), text)


def valid(b: Behaviour) -> bool:
    model = b.model
    if b.states[0] != sem.initial_states(model)[b.initial_index]:
        return False
    for state, tr in zip(b.states, b.transitions):
        if tr not in sem.successors(model, state) and tr.error is None:
            return False
    return all(t.target == s for t, s in zip(b.transitions, b.states[1:]))


@settings(max_examples=25)
@given(st.data())
def test_behaviours_of_random_specs_are_valid_executions(data: st.DataObject) -> None:
    text = data.draw(specs())
    model = check_spec(parse(text, "random.fsl"), text)
    if not sem.initial_states(model):
        return
    b = data.draw(behaviours(model, max_steps=8))
    assert len(b) <= 8
    assert valid(b)
    trace = b.trace()  # replays through the engines' trace builder
    assert len(trace) == len(b)
    assert trace.error == (b.error.describe() if b.error else None)


def test_triad_behaviours_are_valid_and_include_faults() -> None:
    model = load_spec(ROOT / "specs" / "triad.fsl")
    seen: list[Behaviour] = []

    @settings(max_examples=8, suppress_health_check=list(HealthCheck))
    @given(behaviours(model, max_steps=20, variable_length=False))
    def walk(b: Behaviour) -> None:
        assert valid(b)
        seen.append(b)

    walk()
    assert any(b.faults for b in seen)
    assert all(len(b) == 20 or not sem.successors(model, b.last_state) for b in seen)
    b = max(seen, key=len)
    trace, last = replay(model, b.ordinals())
    assert last == b.last_state and len(trace) == len(b)


def test_shrinks_to_the_shortest_fewest_fault_schedule() -> None:
    model = model_of(NEEDS_A_FAULT)
    fine = model.invariants[0]  # type: ignore[attr-defined]
    found = find(behaviours(model, max_steps=30, fault_rate=0.5),
                 lambda b: not sem.holds(fine, b.last_state),
                 settings=settings(database=None, max_examples=500, derandomize=True))
    assert sorted(found.labels()) == ["Break", "Inc", "Inc"]
    assert found.faults == 1


def test_until_stops_at_the_first_state_where_it_holds() -> None:
    model = model_of(NEEDS_A_FAULT)
    fine = model.invariants[0]  # type: ignore[attr-defined]

    @settings(max_examples=30)
    @given(behaviours(model, max_steps=40, variable_length=False,
                      until=lambda s: not sem.holds(fine, s)))
    def walk(b: Behaviour) -> None:
        bad = [i for i, s in enumerate(b.states) if not sem.holds(fine, s)]
        assert bad in ([], [len(b.states) - 1])

    walk()


def test_fault_rate_zero_draws_no_faults() -> None:
    model = model_of(NEEDS_A_FAULT)

    @settings(max_examples=20)
    @given(behaviours(model, max_steps=20, fault_rate=0.0))
    def walk(b: Behaviour) -> None:
        assert b.faults == 0

    walk()


def test_no_initial_state_is_a_clear_error() -> None:
    model = model_of("var x: bool = false\ninit: x\naction A { x = true }\n")
    with pytest.raises(ValueError, match="no initial state"):
        Walker(model)  # type: ignore[arg-type]


@given(specs())
def test_random_specs_parse_and_check(text: str) -> None:
    model = check_spec(parse(text, "random.fsl"), text)
    assert model.actions and model.invariants
