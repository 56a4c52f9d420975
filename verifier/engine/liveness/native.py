"""Stage 5 (liveness): the fair-lasso search of ``fair.py`` and the bounded response of
``bounded.py`` on a ``csr.Csr`` graph, with every pass over the states in native code.

The steps are those of the Python version, in the same order and with the same ties, so
the lassos are the same (the tests compare them on many generated models): fair
components (``csr.fair_components``), the states that can reach one inside the kept
states (``csr.backward``), a shortest path to the first trigger state among them, a
shortest stem into a fair component, and a cycle there that meets every obligation
(``_fair_cycle``: a few breadth-first searches inside the component). Only the states
of the lasso become Python objects. LTL formulas are not handled here: their product
with the automaton is built by ``ltl.py`` on Python lists (``check.py`` decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from verifier.engine.liveness import passes as C
from verifier.engine.liveness.csr import Csr
from verifier.engine.liveness.fair import Condition, Lasso

Steps = list[tuple[int, int]]


def condition_index(conds: Sequence[Condition], labels: int) -> Any | None:
    """Per label, the condition it belongs to (-1: none), or None when two conditions
    share a label (the model's conditions never do)."""
    out = np.full(max(1, labels), -1, dtype=np.int64)
    for i, c in enumerate(conds):
        for a in c.labels:
            if out[a] != -1:
                return None
            out[a] = i
    return out


def _path(par: Any, plab: Any, u: int) -> tuple[int, Steps]:
    steps: Steps = []
    while (p := int(par[u])) >= 0:
        steps.append((int(plab[u]), u))
        u = p
    steps.reverse()
    return u, steps


def _go(g: Csr, source: int, goal: Any, allowed: Any) -> tuple[int, Steps]:
    found, par, plab = C.bfs(g.bounds, g.label, g.dst, np.array([source], dtype=np.int64), goal, allowed)
    assert found >= 0
    return found, _path(par, plab, int(found))[1]


def find_fair_lasso(g: Csr, initial: Sequence[int], conds: Sequence[Condition], cond_of: Any,
                    start: Any, keep: Any, accept: Sequence[Any] = ()) -> Lasso | None:
    """``fair.find_fair_lasso`` (without ``labels``: a state graph) on arrays; ``start``,
    ``keep`` and each of ``accept`` are boolean arrays over the states."""
    n = g.n
    strong = np.array([c.strong for c in conds] or [False], dtype=np.bool_)[:len(conds)]
    acc = np.array(accept, dtype=np.bool_).reshape(len(accept), n)
    stutter = C.stutter_flags(g.bounds, g.label, cond_of)
    comp, nfair = C.fair_components(g.bounds, g.label, g.dst, stutter, cond_of, strong, keep, acc)
    if nfair == 0:
        return None
    in_comp = comp >= 0
    doomed = C.backward(g.bounds, g.dst, keep, in_comp)
    everywhere = np.ones(n, dtype=np.bool_)
    found, par, plab = C.bfs(g.bounds, g.label, g.dst, np.asarray(initial, dtype=np.int64),
                             doomed & start, everywhere)
    if found < 0:  # edges taken out (ticks that are not urgent) may leave states unreachable
        return None
    first, steps = _path(par, plab, int(found))
    trigger = len(steps)
    entry, stem = _go(g, int(found), in_comp, keep)
    steps += stem
    members = comp == comp[entry]
    cycle = _fair_cycle(g, conds, cond_of, stutter, entry, members, [a & members for a in acc])
    loop = len(steps)
    if cycle is None:
        return Lasso(first, tuple(steps), trigger, loop, True)
    return Lasso(first, tuple(steps + cycle), trigger, loop, False)


def _fair_cycle(g: Csr, conds: Sequence[Condition], cond_of: Any, stutter: Any, entry: int,
                members: Any, acc_sets: list[Any]) -> Steps | None:
    """``fair._fair_cycle``: each condition in turn, then each accept set, then back."""
    cycle: Steps = []
    nodes = np.flatnonzero(members).astype(np.int64)

    def here() -> int:
        return cycle[-1][1] if cycle else entry

    def visited() -> list[int]:
        return [entry] + [v for _, v in cycle]

    def go(goal: Any) -> None:
        cycle.extend(_go(g, here(), goal, members)[1])

    def edges(u: int) -> list[tuple[int, int]]:
        lo, hi = int(g.bounds[u]), int(g.bounds[u + 1])
        return list(zip(g.label[lo:hi].tolist(), g.dst[lo:hi].tolist()))

    for ci, c in enumerate(conds):
        if any(cond_of[a] == ci for a, _ in cycle):
            continue
        takes, on = C.condition_states(g.bounds, g.label, g.dst, cond_of, ci, nodes, members)
        if takes.any():
            go(takes)
            cycle.append(min((a, v) for a, v in edges(here()) if cond_of[a] == ci and members[v]))
        elif not c.strong and all(on[u] for u in visited()):
            go(~on)
        # a strong condition not taken inside is disabled in every member
    for acc in acc_sets:
        if not any(acc[u] for u in visited()):
            go(acc)
    if not cycle:
        if stutter[entry]:
            return None
        cycle.append(min((a, v) for a, v in edges(entry) if members[v]))
    if here() != entry:
        goal = np.zeros(g.n, dtype=np.bool_)
        goal[entry] = True
        go(goal)
    return cycle


def bounded_violation(g: Csr, initial: Sequence[int], start: Any, keep: Any, bound: int,
                      ticks: Any | None) -> tuple[int, Steps, int] | None:
    """``bounded.bounded_violation`` on arrays (``ticks``: flags per label, or None)."""
    n = g.n
    init = np.asarray(initial, dtype=np.int64)
    _, par0, _ = C.bfs(g.bounds, g.label, g.dst, init, np.zeros(n, dtype=np.bool_), np.ones(n, dtype=np.bool_))
    seen = par0 != C.NOT_SEEN
    use_ticks = ticks is not None
    tick_flags = ticks if ticks is not None else np.zeros(1, dtype=np.bool_)
    node, a, v, par, plab = C.bounded(g.bounds, g.label, g.dst, seen, start, keep, bound, tick_flags, use_ticks)
    if node < 0:
        return None
    k1 = bound + 1
    tail = [(int(a), int(v))] if a >= 0 else []
    steps: Steps = []
    cur = int(node)
    while (p := int(par[cur])) >= 0:
        steps.append((int(plab[cur]), cur // k1))
        cur = p
    steps.reverse()
    goal = np.zeros(n, dtype=np.bool_)
    goal[cur // k1] = True
    found, par1, plab1 = C.bfs(g.bounds, g.label, g.dst, init, goal, np.ones(n, dtype=np.bool_))
    assert found >= 0
    first, pre = _path(par1, plab1, int(found))
    return first, pre + steps + tail, len(pre)


def urgent(g: Csr, conds: Sequence[Condition], ticks: frozenset[int], labels: int) -> Csr:
    """``check.urgent`` on arrays."""
    hurry = np.zeros(max(1, labels), dtype=np.bool_)
    for a in frozenset().union(*(c.labels for c in conds)) - ticks:
        hurry[a] = True
    tick = np.zeros(max(1, labels), dtype=np.bool_)
    tick[list(ticks)] = True
    bounds, label, dst = C.urgent(g.bounds, g.label, g.dst, hurry, tick)
    return Csr(bounds, label, dst, np.zeros(0, dtype=np.int32))
