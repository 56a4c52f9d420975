"""Stage 5 (liveness): LTL over state predicates, by a generalized Büchi automaton.

``automaton(f)`` builds the automaton of a formula in negation normal form
(``verifier.lang.model.Temporal``) by the tableau of Gerth, Peled, Vardi and Wolper
(1995): each node holds the literals its letter must satisfy (atoms true or false) and
the obligations for the next letter; for each ``until`` (and ``eventually``) one accept
set, the nodes that do not owe it or fulfil it now. There is no ``next`` operator, so
every formula is insensitive to stuttering, which the behaviours' final stop needs.

``product`` pairs the automaton of the property's negation with the state graph (stutter
loops included): a fair lasso of the product meeting every accept set is a fair
behaviour that violates the property (``check.py`` projects it back to the states).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier.engine.liveness.fair import STUTTER
from verifier.lang import model as M

MAX_NODES = 4096  # automaton nodes: far more than any formula a person writes needs


class FormulaTooLarge(Exception):
    """The formula's automaton has more than ``MAX_NODES`` nodes."""


def negate(f: M.Temporal) -> M.Temporal:
    """The negation of an NNF formula, in NNF."""
    dual = {"and": "or", "or": "and", "until": "release", "release": "until",
            "always": "eventually", "eventually": "always"}
    if f.op == "atom":
        return M.Temporal("not", (f,))
    if f.op == "not":
        return f.args[0]
    return M.Temporal(dual[f.op], tuple(negate(a) for a in f.args))


def atoms(f: M.Temporal) -> list[M.Expr]:
    """The distinct state predicates of ``f``, in order of first appearance."""
    out: list[M.Expr] = []

    def walk(g: M.Temporal) -> None:
        if g.op == "atom":
            assert g.atom is not None
            if g.atom not in out:
                out.append(g.atom)
        for a in g.args:
            walk(a)
    walk(f)
    return out


@dataclass
class Automaton:
    """Nodes 0..n-1: ``pos[q]``/``neg[q]`` the atom indices that must be true/false in the
    letter read at q; ``succ[q]`` the nodes that may read the next letter; ``initial``
    the nodes that read the first; ``accept`` one list of flags per ``until``."""

    pos: list[frozenset[int]] = field(default_factory=list)
    neg: list[frozenset[int]] = field(default_factory=list)
    succ: list[list[int]] = field(default_factory=list)
    initial: list[int] = field(default_factory=list)
    accept: list[list[bool]] = field(default_factory=list)


def automaton(f: M.Temporal, atom_index: Sequence[M.Expr]) -> Automaton:
    index = {a: i for i, a in enumerate(atom_index)}
    untils: list[M.Temporal] = []

    def collect(g: M.Temporal) -> None:
        if g.op in ("until", "eventually") and g not in untils:
            untils.append(g)
        for a in g.args:
            collect(a)
    collect(f)
    # nodes by (old, next): the literals and subformulas processed, and the obligations
    done: dict[tuple[frozenset[M.Temporal], frozenset[M.Temporal]], int] = {}
    incoming: list[set[int]] = []   # -1: initial
    olds: list[frozenset[M.Temporal]] = []
    stack: list[tuple[set[int], list[M.Temporal], frozenset[M.Temporal], frozenset[M.Temporal]]]
    stack = [({-1}, [f], frozenset(), frozenset())]
    while stack:
        inc, new, old, nxt = stack.pop()
        if not new:
            key = (old, nxt)
            q = done.get(key)
            if q is not None:
                incoming[q] |= inc
                continue
            if len(done) >= MAX_NODES:
                raise FormulaTooLarge(f"the formula's automaton has more than {MAX_NODES:,} nodes")
            q = done[key] = len(olds)
            olds.append(old)
            incoming.append(set(inc))
            stack.append(({q}, list(nxt), frozenset(), frozenset()))
            continue
        g, rest = new[0], new[1:]
        if g in old:
            stack.append((inc, rest, old, nxt))
            continue
        o = old | {g}
        match g.op:
            case "atom" | "not":
                if negate(g) in old:
                    continue  # contradiction: no node
                stack.append((inc, rest, o, nxt))
            case "and":
                stack.append((inc, rest + list(g.args), o, nxt))
            case "or":
                stack.append((inc, rest + [g.args[1]], o, nxt))
                stack.append((inc, rest + [g.args[0]], o, nxt))
            case "until":  # a U b: b now, or a now and a U b next
                stack.append((inc, rest + [g.args[0]], o, nxt | {g}))
                stack.append((inc, rest + [g.args[1]], o, nxt))
            case "release":  # a R b: b now and (a now, or a R b next)
                stack.append((inc, rest + [g.args[1]], o, nxt | {g}))
                stack.append((inc, rest + list(g.args), o, nxt))
            case "eventually":  # true U a
                stack.append((inc, rest, o, nxt | {g}))
                stack.append((inc, rest + [g.args[0]], o, nxt))
            case "always":  # false R a
                stack.append((inc, rest + [g.args[0]], o, nxt | {g}))
    aut = Automaton()
    n = len(olds)
    aut.succ = [[] for _ in range(n)]
    for q in range(n):
        for p in sorted(incoming[q]):
            if p == -1:
                aut.initial.append(q)
            else:
                aut.succ[p].append(q)
        lits = olds[q]
        aut.pos.append(frozenset(index[g.atom] for g in lits if g.op == "atom" and g.atom is not None))
        aut.neg.append(frozenset(index[g.args[0].atom] for g in lits
                                 if g.op == "not" and g.args[0].atom is not None))
    for u in untils:
        goal = u.args[-1]
        aut.accept.append([u not in olds[q] or goal in olds[q] for q in range(n)])
    return aut


@dataclass
class Product:
    """Nodes are (state, automaton node) pairs, numbered: ``pairs[i]``; ``succ`` edges
    carry the state graph's labels (``STUTTER`` for a stutter step); ``accept``: per
    accept set of the automaton, flags per node."""

    pairs: list[tuple[int, int]]
    succ: list[list[tuple[int, int]]]
    initial: list[int]
    accept: list[list[bool]]


def product(succ: Sequence[Sequence[tuple[int, int]]], initial: Sequence[int],
            truth: Sequence[Sequence[bool]], aut: Automaton, limit: int) -> Product:
    """The reachable part of graph x automaton; ``succ`` includes the stutter loops;
    ``truth[i][s]``: atom i in state s. Raises ``FormulaTooLarge`` past ``limit`` nodes."""
    def fits(s: int, q: int) -> bool:
        return all(truth[i][s] for i in aut.pos[q]) and not any(truth[i][s] for i in aut.neg[q])

    ids: dict[tuple[int, int], int] = {}
    pairs: list[tuple[int, int]] = []
    out: list[list[tuple[int, int]]] = []

    def node(s: int, q: int) -> int:
        k = ids.get((s, q))
        if k is None:
            if len(pairs) >= limit:
                raise FormulaTooLarge(f"the product with the formula's automaton has more than "
                                      f"{limit:,} nodes")
            k = ids[(s, q)] = len(pairs)
            pairs.append((s, q))
            out.append([])
        return k

    init = [node(s, q) for s in initial for q in aut.initial if fits(s, q)]
    k = 0
    while k < len(pairs):
        s, q = pairs[k]
        edges = out[k]
        for a, t in succ[s]:
            for r in aut.succ[q]:
                if fits(t, r):
                    edges.append((a, node(t, r)))
        edges.sort()
        k += 1
    accept = [[acc[q] for _, q in pairs] for acc in aut.accept]
    return Product(pairs, out, init, accept)


def project(pr: Product, start: int, steps: Sequence[tuple[int, int]], loop: int,
            stutter: bool) -> tuple[int, list[tuple[int, int]], int, bool]:
    """A product lasso as a lasso of the state graph: stutter steps dropped (the formula
    cannot tell), so a cycle of stutter steps only becomes a stop."""
    s0 = pr.pairs[start][0]
    out: list[tuple[int, int]] = []
    new_loop = None
    for i, (a, v) in enumerate(steps):
        if i == loop:
            new_loop = len(out)
        if a != STUTTER:
            out.append((a, pr.pairs[v][0]))
    if new_loop is None or stutter:
        return s0, out, len(out), True
    if new_loop == len(out):  # the cycle was stutter steps only
        return s0, out, len(out), True
    # the loop returns to the state after the step before it; rotate if that step was dropped
    return s0, out, new_loop, False
