"""A brute-force reference for liveness verdicts, for tiny state graphs.

Obviously correct rather than fast: a fair behaviour of a finite graph ends up moving
forever inside some set S of states, visiting all of them and using all of its inner
edges (or stopping in one state, a stutter, where no fairness condition is enabled).
So a property of the forms ``P ~> Q while R``, ``always eventually P`` and ``eventually
always P`` is violated exactly when some subset S of the states (all of them are tried)
is strongly connected by its inner edges, fair (each condition taken on an inner edge,
or weak: disabled in a state of S, strong: disabled in every state of S) and fits the
form. Bounds are decided by enumerating paths; general LTL by enumerating lassos up to a
length and evaluating the formula on each directly (one-sided: ``lasso_violates`` also
checks the engine's own counterexamples). Nothing here uses the engine's algorithms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from verifier.engine.liveness import LabelledGraph
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

Unit = tuple[int, int]  # (action, instance)


class Ref:
    def __init__(self, model: M.Model, graph: LabelledGraph) -> None:
        self.model, self.g = model, graph
        self.n = len(graph.states)
        self.conds: list[tuple[bool, frozenset[Unit]]] = []
        for a in model.actions:
            if a.fair:
                units = [(a.index, k) for k in range(len(sem.param_valuations(a)))]
                groups = [units] if a.whole else [[u] for u in units]
                self.conds += [(a.strong, frozenset(x)) for x in groups]
        self.units = [frozenset((a, k) for a, k, _ in e) for e in graph.succ]
        self.stutter = [all(self.units[u].isdisjoint(c) for _, c in self.conds) for u in range(self.n)]

    # -- the infinity sets of fair behaviours
    def fair_sets(self) -> Iterator[frozenset[int]]:
        for mask in range(1, 1 << self.n):
            s = frozenset(u for u in range(self.n) if mask >> u & 1)
            inner = [(a, k) for u in s for a, k, v in self.g.succ[u] if v in s]
            loops = [u for u in s if self.stutter[u]]
            if not inner and not loops:
                continue
            if not self._connected(s):
                continue
            if all(self._fair(c, strong, s, set(inner)) for strong, c in self.conds):
                yield s

    def _fair(self, c: frozenset[Unit], strong: bool, s: frozenset[int], inner: set[Unit]) -> bool:
        if inner & c:
            return True
        off = [self.units[u].isdisjoint(c) for u in s]
        return all(off) if strong else any(off)

    def _connected(self, s: frozenset[int]) -> bool:
        first = min(s)
        for forward in (True, False):
            seen, todo = {first}, [first]
            while todo:
                u = todo.pop()
                nxt = ([v for _, _, v in self.g.succ[u] if v in s] if forward else
                       [w for w in s if any(v == u for _, _, v in self.g.succ[w])])
                for v in nxt:
                    if v not in seen:
                        seen.add(v)
                        todo.append(v)
            if seen != s:
                return False
        return True

    def reach(self, sources: list[int], inside: list[bool]) -> set[int]:
        seen = {u for u in sources if inside[u]}
        todo = list(seen)
        while todo:
            u = todo.pop()
            for _, _, v in self.g.succ[u]:
                if inside[v] and v not in seen:
                    seen.add(v)
                    todo.append(v)
        return seen

    def truth(self, e: M.Expr, env: dict[int, Any]) -> list[bool]:
        return [bool(sem.evaluate(e, s, env)) for s in self.g.states]

    # -- verdicts
    def violated(self, p: M.Liveness) -> bool:
        for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
            env = {q.slot: v for q, v in zip(p.params, values)}
            if self._violated(p, env):
                return True
        return False

    def _violated(self, p: M.Liveness, env: dict[int, Any]) -> bool:
        if p.form == "ltl":
            assert p.formula is not None
            return any(self.lasso_violates(p.formula, env, *lasso) for lasso in self.lassos(5))
        goal = self.truth(p.goal, env)
        if p.form == "persistence":
            return any(any(not goal[u] for u in s) for s in self.fair_sets())
        keep = [not x for x in goal]
        if p.keep is not None:
            keep = [k and r for k, r in zip(keep, self.truth(p.keep, env))]
        start = [t and k for t, k in zip(self.truth(p.trigger, env), keep)]
        if p.tick is not None:  # other fair actions are urgent: no tick while one is enabled
            return Ref(self.model, self.urgent(p.tick))._leads(p, start, keep)
        return self._leads(p, start, keep)

    def urgent(self, tick: int) -> LabelledGraph:
        fair = {(a.index, k) for a in self.model.actions if a.fair and a.index != tick
                for k in range(len(sem.param_valuations(a)))}
        succ = tuple(tuple(e for e in edges if e[0] != tick or not ({(a, k) for a, k, _ in edges} & fair))
                     for edges in self.g.succ)
        return LabelledGraph(self.g.states, self.g.initial, succ, self.g.ordinal)

    def _leads(self, p: M.Liveness, start: list[bool], keep: list[bool]) -> bool:
        live = self.reach(list(self.g.initial), [True] * self.n)  # less than all if urgent
        start = [s and u in live for u, s in enumerate(start)]
        onward = self.reach([u for u in range(self.n) if start[u]], keep)
        if any(s <= onward for s in self.fair_sets()):
            return True
        if p.bound is None:
            return False
        return any(self._counts_past(u, 0, p, keep, {(u, 0)}) for u in range(self.n) if start[u])

    def _counts_past(self, u: int, t: int, p: M.Liveness, keep: list[bool], path: set[tuple[int, int]]) -> bool:
        """A path from ``u`` (``t`` counted so far) in ``keep`` that counts past the bound."""
        assert p.bound is not None
        if p.tick is None and t == p.bound:
            return True
        for a, _, v in self.g.succ[u]:
            counts = p.tick is None or a == p.tick
            if counts and p.tick is not None and t == p.bound:
                return True
            nxt = (v, t + 1 if counts else t)
            if keep[v] and nxt not in path and self._counts_past(v, nxt[1], p, keep, path | {nxt}):
                return True
        return False

    # -- LTL on lassos
    def lassos(self, max_len: int) -> Iterator[tuple[list[int], list[Unit], int]]:
        """(states s0..sm, the units of the steps between them, loop index l): the last
        state goes back to s_l by an edge (or stays, a stutter, l = m); fair ones only."""
        def walk(path: list[int], units: list[Unit]) -> Iterator[tuple[list[int], list[Unit], int]]:
            u = path[-1]
            if self.stutter[u]:
                yield path, units, len(path) - 1
            for a, k, v in self.g.succ[u]:
                for l_, w in enumerate(path):
                    if w == v and self.fair_cycle(path[l_:], units[l_:] + [(a, k)]):
                        yield path, units + [(a, k)], l_
                if len(path) < max_len:
                    yield from walk(path + [v], units + [(a, k)])
        for s0 in self.g.initial:
            yield from walk([s0], [])

    def fair_cycle(self, states: list[int], units: list[Unit]) -> bool:
        return all(set(units) & c or (all if strong else any)(self.units[u].isdisjoint(c) for u in states)
                   for strong, c in self.conds)

    def lasso_violates(self, f: M.Temporal, env: dict[int, Any], states: list[int],
                       units: list[Unit], loop: int) -> bool:
        return not self.holds(f, env, states, loop)[0]

    def holds(self, f: M.Temporal, env: dict[int, Any], states: list[int], loop: int) -> list[bool]:
        """The value of ``f`` at each position of the lasso (fixpoints by iteration)."""
        m = len(states)
        nxt = [i + 1 if i + 1 < m else loop for i in range(m)]
        if f.op == "atom":
            assert f.atom is not None
            return [bool(sem.evaluate(f.atom, self.g.states[s], env)) for s in states]
        args = [self.holds(a, env, states, loop) for a in f.args]
        if f.op == "not":
            return [not x for x in args[0]]
        if f.op in ("and", "or"):
            op = all if f.op == "and" else any
            return [op((args[0][i], args[1][i])) for i in range(m)]
        least = f.op in ("until", "eventually")
        val = [not least] * m
        for _ in range(2 * m + 2):
            for i in reversed(range(m)):
                later = val[nxt[i]]
                match f.op:
                    case "until":
                        val[i] = args[1][i] or (args[0][i] and later)
                    case "release":
                        val[i] = args[1][i] and (args[0][i] or later)
                    case "eventually":
                        val[i] = args[0][i] or later
                    case "always":
                        val[i] = args[0][i] and later
        return val
