"""The lasso search of verifier.engine.liveness against a brute-force search on random small
graphs: it finds a fair lasso exactly when one exists, and every lasso it returns is a
real, fair behaviour through a start state that stays in the kept states."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.engine.liveness import Lasso, find_lasso

CI = settings(derandomize=True, deadline=None, max_examples=300,
              suppress_health_check=[HealthCheck.too_slow])
ACTIONS = 3


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[list[tuple[int, int]]], list[int], frozenset[int],
                                     list[bool], list[bool]]:
    n = draw(st.integers(1, 6))
    succ = [sorted(set(draw(st.lists(st.tuples(st.integers(0, ACTIONS - 1), st.integers(0, n - 1)),
                                     max_size=4)))) for _ in range(n)]
    # every state reachable: a chain of edges from state 0 with random actions
    for u in range(1, n):
        edge = (draw(st.integers(0, ACTIONS - 1)), u)
        if edge not in succ[u - 1]:
            succ[u - 1] = sorted(succ[u - 1] + [edge])
    fair = frozenset(draw(st.sets(st.integers(0, ACTIONS - 1))))
    start = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    keep = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return succ, [0], fair, start, keep


def fair_cycle(succ: list[list[tuple[int, int]]], fair: frozenset[int],
               walk: list[tuple[int, int]], states: list[int]) -> bool:
    enabled = [{a for a, _ in succ[u]} for u in range(len(succ))]
    return all(any(a == x for x, _ in walk) or any(a not in enabled[u] for u in states) for a in fair)


def brute_force(succ: list[list[tuple[int, int]]], initial: list[int], fair: frozenset[int],
                start: list[bool], keep: list[bool]) -> bool:
    """An independent search: some start state reachable, and from it, inside keep, a
    node c with a fair closed walk through c, found by breadth-first search over pairs
    (node, fair actions satisfied so far: taken, or disabled in a visited node)."""
    n = len(succ)
    enabled = [{a for a, _ in succ[u]} for u in range(n)]
    full = frozenset(fair)

    def disabled(u: int) -> frozenset[int]:
        return frozenset(a for a in fair if a not in enabled[u])

    def reach(sources: list[int], inside: list[bool]) -> set[int]:
        seen = set(sources)
        todo = list(sources)
        while todo:
            u = todo.pop()
            for _, v in succ[u]:
                if inside[v] and v not in seen:
                    seen.add(v)
                    todo.append(v)
        return seen

    def fair_walk(c: int) -> bool:
        if disabled(c) == full:  # stuttering at c is fair
            return True
        first = [(v, disabled(c) | disabled(v) | ({a} & full)) for a, v in succ[c] if keep[v]]
        seen = set(first)
        todo = list(first)
        while todo:
            u, m = todo.pop()
            if u == c and m == full:
                return True
            for a, v in succ[u]:
                if keep[v]:
                    nxt = (v, m | disabled(v) | ({a} & full))
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
        return False

    for s in sorted(reach(list(initial), [True] * n)):
        if start[s] and keep[s] and any(fair_walk(c) for c in sorted(reach([s], keep))):
            return True
    return False


def valid(lasso: Lasso, succ: list[list[tuple[int, int]]], initial: list[int], fair: frozenset[int],
          start: list[bool], keep: list[bool]) -> bool:
    states = [lasso.start] + [v for _, v in lasso.steps]
    if lasso.start not in initial:
        return False
    for u, (a, v) in zip(states, lasso.steps):
        if (a, v) not in succ[u]:
            return False
    if not start[states[lasso.trigger]] or not all(keep[u] for u in states[lasso.trigger:]):
        return False
    if not lasso.trigger <= lasso.loop <= len(lasso.steps):
        return False
    if lasso.stutter:
        return lasso.loop == len(lasso.steps) and fair_cycle(succ, fair, [], [states[-1]])
    cycle = list(lasso.steps[lasso.loop:])
    return bool(cycle) and states[-1] == states[lasso.loop] and fair_cycle(
        succ, fair, cycle, states[lasso.loop:])


@CI
@given(graphs())
def test_lasso_search_agrees_with_brute_force(g) -> None:  # type: ignore[no-untyped-def]
    succ, initial, fair, start, keep = g
    lasso = find_lasso(succ, initial, fair, start, keep)
    assert (lasso is not None) == brute_force(succ, initial, fair, start, keep)
    if lasso is not None:
        assert valid(lasso, succ, initial, fair, start, keep), lasso
        assert find_lasso(succ, initial, fair, start, keep) == lasso  # deterministic


def test_weak_fairness_forbids_staying_where_a_fair_action_is_enabled() -> None:
    # 0 -a-> 1, 1 -b-> 1 (a self-loop): without fairness, stuttering in 0 never reaches 1
    succ = [[(0, 1)], [(1, 1)]]
    keep = [True, False]  # the goal (not keep) is state 1
    unfair = find_lasso(succ, [0], frozenset(), [True, False], keep)
    assert unfair is not None and unfair.stutter and unfair.steps == ()
    assert find_lasso(succ, [0], frozenset({0}), [True, False], keep) is None


def test_a_fair_cycle_must_take_or_disable_every_fair_action() -> None:
    # 0 -a-> 1 -a-> 0, and 0 -b-> 2 (the goal): b is enabled in 0 only
    succ = [[(0, 1), (1, 2)], [(0, 0)], []]
    keep = [True, True, False]
    found = find_lasso(succ, [0], frozenset({0}), [True, False, False], keep)
    assert found is not None and not found.stutter  # fair in a only: the a-cycle is fair
    assert [a for a, _ in found.steps[found.loop:]] == [0, 0]
    # weak fairness: b is not *continuously* enabled on the cycle (it is off in 1)
    assert find_lasso(succ, [0], frozenset({0, 1}), [True, False, False], keep) is not None
    # with b enabled in 1 as well, a cycle that never takes b is unfair
    succ[1] = [(0, 0), (1, 2)]
    assert find_lasso(succ, [0], frozenset({0, 1}), [True, False, False], keep) is None
    assert find_lasso(succ, [0], frozenset({0}), [True, False, False], keep) is not None
