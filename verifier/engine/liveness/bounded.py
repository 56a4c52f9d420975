"""Stage 5 (liveness): bounded response, ``P ~> Q within K`` (steps, or ticks of an action).

The bound is violated by a path from a state where P holds, through states where Q is
false (and the ``while`` condition true), that counts past K: with steps, K steps (its
K + 1 states all miss Q); with ticks, a (K + 1)-th tick taken from such a state (the
ticks before it may be interleaved with any number of other steps). Every finite path
is the start of some fair behaviour (fairness here is on the spec's own actions), so such
a path is a counterexample whatever the fairness. A behaviour that never reaches Q and
never counts past K is the unbounded leads-to's business (a lasso), checked first.
The search is breadth-first over (state, count) pairs, at most (K + 1) times the states.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from verifier.engine.liveness.fair import Succ, reachable, shortest_path


def bounded_violation(succ: Succ, initial: Sequence[int], start: Sequence[bool],
                      keep: Sequence[bool], bound: int, ticks: frozenset[int] | None
                      ) -> tuple[int, list[tuple[int, int]], int] | None:
    """(initial state, steps, index of the trigger state) of a shortest violating path
    (shortest from the trigger on, then the shortest way to that trigger), or None.
    ``ticks``: the labels that count (None: every step counts)."""
    parent: dict[tuple[int, int], tuple[tuple[int, int], int] | None] = {}
    queue: deque[tuple[int, int]] = deque()
    seen = reachable(succ, initial)  # all states, unless edges were taken out (urgency)
    for u in range(len(succ)):
        if start[u] and keep[u] and u in seen:
            parent[(u, 0)] = None
            queue.append((u, 0))
    found: tuple[tuple[int, int], list[tuple[int, int]]] | None = None
    while queue and found is None:
        node = queue.popleft()
        u, t = node
        if ticks is None and t == bound:
            found = (node, [])
            break
        for a, v in succ[u]:
            counts = ticks is None or a in ticks
            if counts and ticks is not None and t == bound:
                found = (node, [(a, v)])
                break
            nxt = (v, t + 1 if counts else t)
            if keep[v] and nxt not in parent:
                parent[nxt] = (node, a)
                queue.append(nxt)
    if found is None:
        return None
    node, tail = found
    steps: list[tuple[int, int]] = []
    cur = node
    while (p := parent[cur]) is not None:
        steps.append((p[1], cur[0]))
        cur = p[0]
    steps.reverse()
    trigger_state = cur[0]
    prefix = shortest_path(succ, list(initial), lambda x: x == trigger_state, lambda x: True)
    assert prefix is not None
    first, pre = prefix
    return first, pre + steps + tail, len(pre)
