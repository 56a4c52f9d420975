"""Stage 5 (liveness): fair lassos on a graph of plain integers.

A behaviour is an infinite path. Each edge carries a *label* (an action instance, in the
check's numbering) or ``STUTTER``: a behaviour may stop taking steps in a state where no
fairness condition is enabled, which is a stutter self-loop there (``with_stutter``).
A ``Condition`` is weak or strong fairness on a set of labels: it is *enabled* in a
state with an edge of one of its labels, and *taken* by such an edge. An infinite path
is fair when, for each condition, weak: it is taken infinitely often or disabled
infinitely often; strong: taken infinitely often or enabled only finitely often.

``find_fair_lasso`` decides whether some fair behaviour from an initial state reaches a
``start`` state and stays in ``keep`` states from there on, passing each ``accept`` set
infinitely often (a generalized Büchi condition), and returns one as a lasso. The
method is the classic one for Streett conditions: split the kept subgraph into strongly
connected components; in a component, a weak condition that is enabled in every state
and never taken inside rules it out (and every part of it); a strong condition that is
not taken inside rules out the states where it is enabled, and the rest is split again;
a component that survives, has an inner edge and meets every accept set holds the
infinity set of a fair behaviour, which the lasso's cycle then walks. An exact brute
force over state sets checks it in tests/liveness.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx

STUTTER = -1

Succ = Sequence[Sequence[tuple[int, int]]]  # per state: (label, target)


@dataclass(frozen=True, slots=True)
class Condition:
    strong: bool
    labels: frozenset[int]


@dataclass(frozen=True, slots=True)
class Lasso:
    """A fair behaviour: ``start`` is an initial state and ``steps`` the (label, state)
    steps from it; states are numbered 0 (``start``) to ``len(steps)``. From ``trigger``
    on, every state is a kept one. It repeats states ``loop``..``len(steps)`` forever (the
    last step returns to state ``loop``), or, when ``stutter`` is set, stays in its last
    state forever (no fairness condition is enabled there) and ``loop`` is that state's
    number. On a state graph no step is a stutter step (on a product, some may be)."""

    start: int
    steps: tuple[tuple[int, int], ...]
    trigger: int
    loop: int
    stutter: bool


def enabled_labels(succ: Succ) -> list[frozenset[int]]:
    return [frozenset(a for a, _ in edges if a != STUTTER) for edges in succ]


def with_stutter(succ: Succ, conds: Sequence[Condition],
                 labels: Sequence[frozenset[int]] | None = None) -> list[list[tuple[int, int]]]:
    """``succ`` plus a stutter self-loop at every state where no condition is enabled."""
    labels = enabled_labels(succ) if labels is None else labels
    out = []
    for u, edges in enumerate(succ):
        mine = list(edges)
        if all(labels[u].isdisjoint(c.labels) for c in conds):
            mine.append((STUTTER, u))
        out.append(mine)
    return out


def fair_components(succ: Succ, labels: Sequence[frozenset[int]], conds: Sequence[Condition],
                    keep: Sequence[bool], accept: Sequence[Sequence[bool]]) -> list[list[int]]:
    """The state sets, each strongly connected inside ``keep`` with an inner edge, that
    are the infinity set of a fair path meeting every ``accept`` set; every fair path in
    ``keep`` ends up in one of them. Stutter loops must be in ``succ`` already."""
    out: list[list[int]] = []
    todo = [frozenset(u for u in range(len(succ)) if keep[u])]
    while todo:
        nodes = todo.pop()
        h = nx.DiGraph()
        h.add_nodes_from(nodes)
        h.add_edges_from((u, v) for u in nodes for _, v in succ[u] if v in nodes)
        for comp in nx.strongly_connected_components(h):
            inner = [(a, u) for u in comp for a, v in succ[u] if v in comp]
            if not inner:
                continue
            taken = {a for a, _ in inner}
            ruled_out = False
            remove: set[int] = set()
            for c in conds:
                if not taken.isdisjoint(c.labels):
                    continue
                on = [u for u in comp if not labels[u].isdisjoint(c.labels)]
                if not on:
                    continue
                if c.strong:
                    remove.update(on)
                elif len(on) == len(comp):
                    ruled_out = True
                    break
            if ruled_out:
                continue
            if remove:
                todo.append(frozenset(comp - remove))
                continue
            if all(any(acc[u] for u in comp) for acc in accept):
                out.append(sorted(comp))
    out.sort()
    return out


def find_fair_lasso(succ: Succ, initial: Sequence[int], conds: Sequence[Condition],
                    start: Sequence[bool], keep: Sequence[bool],
                    accept: Sequence[Sequence[bool]] = (),
                    labels: Sequence[frozenset[int]] | None = None) -> Lasso | None:
    """A fair lasso from an initial state through a ``start`` state whose suffix stays in
    ``keep`` states and meets every ``accept`` set infinitely often, or None.
    Deterministic: ties go to the lowest ids. Without ``labels``, ``succ`` is a state
    graph without stutter loops (they are added here) and the conditions' enabledness is
    read from its edges; with ``labels`` (a product's, say: what is enabled in each
    node's state), ``succ`` is taken as it is, its ``STUTTER`` edges included."""
    if labels is None:
        labels = enabled_labels(succ)
        full = with_stutter(succ, conds, labels)
    else:
        full = [list(e) for e in succ]
    comps = fair_components(full, labels, conds, keep, accept)
    if not comps:
        return None
    comp_of = {u: i for i, c in enumerate(comps) for u in c}
    # states of the kept subgraph from which a fair component is reachable in it
    pred: dict[int, list[int]] = {}
    for u in range(len(full)):
        if keep[u]:
            for _, v in full[u]:
                if keep[v] and v != u:
                    pred.setdefault(v, []).append(u)
    doomed = set(comp_of)
    queue = deque(sorted(doomed))
    while queue:
        v = queue.popleft()
        for u in pred.get(v, ()):
            if u not in doomed:
                doomed.add(u)
                queue.append(u)
    # a graph with edges taken out (ticks that are not urgent) may leave states unreachable
    seen = reachable(full, initial)
    targets = {u for u in doomed if start[u] and u in seen}
    if not targets:
        return None
    prefix = shortest_path(full, list(initial), lambda u: u in targets, lambda u: True)
    assert prefix is not None
    first, steps = prefix
    trigger = len(steps)
    at = steps[-1][1] if steps else first
    stem = shortest_path(full, [at], lambda u: u in comp_of, lambda u: keep[u])
    assert stem is not None
    steps += stem[1]
    entry = steps[-1][1] if steps else first
    members = set(comps[comp_of[entry]])
    acc_sets = [[u for u in members if acc[u]] for acc in accept]
    cycle = _fair_cycle(full, labels, conds, entry, members, acc_sets)
    loop = len(steps)
    if cycle is None:  # stuttering at the entry is fair and meets every accept set
        return Lasso(first, tuple(steps), trigger, loop, True)
    return Lasso(first, tuple(steps + cycle), trigger, loop, False)


def reachable(succ: Succ, initial: Sequence[int]) -> set[int]:
    """The states reachable from ``initial``."""
    seen = set(initial)
    todo = list(seen)
    while todo:
        u = todo.pop()
        for _, v in succ[u]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def shortest_path(succ: Succ, sources: list[int], goal: Callable[[int], bool],
                  allowed: Callable[[int], bool]) -> tuple[int, list[tuple[int, int]]] | None:
    """Breadth-first: (source, steps) of a shortest path to a ``goal`` state through
    ``allowed`` states (sources included), or None."""
    parent: dict[int, tuple[int, int] | None] = {}
    queue: deque[int] = deque()
    for s in sources:
        if s not in parent and allowed(s):
            parent[s] = None
            queue.append(s)
    while queue:
        u = queue.popleft()
        if goal(u):
            steps: list[tuple[int, int]] = []
            v = u
            while (p := parent[v]) is not None:
                steps.append((p[1], v))
                v = p[0]
            steps.reverse()
            return v, steps
        for a, v in succ[u]:
            if v not in parent and allowed(v):
                parent[v] = (u, a)
                queue.append(v)
    return None


def _fair_cycle(succ: Succ, labels: Sequence[frozenset[int]], conds: Sequence[Condition],
                entry: int, members: set[int], acc_sets: list[list[int]]
                ) -> list[tuple[int, int]] | None:
    """Steps of a cycle from ``entry`` back to it inside ``members`` (a fair component)
    that takes every condition taken inside, passes a state where each other weak one
    is disabled, and meets every accept set; None when stuttering at ``entry`` does all
    that (no condition is enabled there and ``entry`` is in every accept set)."""
    inside = members.__contains__
    cycle: list[tuple[int, int]] = []

    def here() -> int:
        return cycle[-1][1] if cycle else entry

    def visited() -> set[int]:
        return {entry} | {v for _, v in cycle}

    def go(goal: Callable[[int], bool]) -> None:
        found = shortest_path(succ, [here()], goal, inside)
        assert found is not None  # the component is strongly connected
        cycle.extend(found[1])

    for c in conds:
        if any(a in c.labels for a, _ in cycle):
            continue
        mine = c.labels

        def takes(u: int, mine: frozenset[int] = mine) -> bool:
            return any(a in mine and v in members for a, v in succ[u])

        def off(u: int, mine: frozenset[int] = mine) -> bool:
            return labels[u].isdisjoint(mine)

        if any(takes(u) for u in members):
            go(takes)
            src = here()
            cycle.append(min((a, v) for a, v in succ[src] if a in mine and v in members))
        elif not c.strong and not any(off(u) for u in visited()):
            go(off)
        # a strong condition not taken inside is disabled in every member
    for acc in acc_sets:
        if not visited() & set(acc):
            go(set(acc).__contains__)
    if not cycle:
        if (STUTTER, entry) in succ[entry]:
            return None
        # no obligation, but no stutter either: any cycle through the entry
        first = min((a, v) for a, v in succ[entry] if v in members)
        cycle.append(first)
    if here() != entry:
        go(lambda u: u == entry)
    return cycle


def find_lasso(succ: Succ, initial: Sequence[int], fair: frozenset[int], start: Sequence[bool],
               keep: Sequence[bool]) -> Lasso | None:
    """``find_fair_lasso`` with weak fairness on each label of ``fair``."""
    conds = [Condition(False, frozenset((a,))) for a in sorted(fair)]
    return find_fair_lasso(succ, initial, conds, start, keep)
