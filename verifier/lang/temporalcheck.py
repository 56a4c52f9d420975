"""Stage 3 (part): liveness declarations, AST -> ``verifier.lang.model.Liveness``.

A liveness property's formula is an expression in which the temporal operators
(``always``, ``eventually``, ``until``, ``~>``) may appear above the state predicates,
never under a quantifier, ``let``, ``if`` or definition (``exprcheck`` reports those,
E123). The maximal subexpressions without a temporal operator are the atoms, typed as
boolean state predicates with the property's parameters in scope. The formula is then
sorted into the form its check needs (``M.Liveness.form``): a leads-to ``P ~> Q`` (with
``within`` and ``while``), ``always eventually P``, ``eventually always P``, or a general
LTL formula, put in negation normal form here (``=>`` and ``<=>`` expanded, ``not``
pushed down to the atoms, with ``release`` as the dual of ``until``).
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.exprcheck import TEMPORAL, ExprChecker, Scope

MAX_BOUND = 10_000  # `within K`: the check explores K + 1 copies of the graph's states
TRUE = M.EConst(True, T.BOOL)


class _Host(Protocol):
    """What the declaration checker (``checker._Checker``) provides."""

    x: ExprChecker

    def err(self, code: str, msg: str, span: S.Span, hint: str | None = None) -> None: ...

    def params(self, decls: tuple[S.Param, ...]) -> tuple[Scope, list[M.Param]]: ...

    def const_expr(self, e: S.Expr, what: str) -> object: ...


def temporal(e: S.Expr) -> bool:
    """Whether ``e`` has a temporal operator at its top, above its state predicates."""
    match e:
        case S.Unary(op, arg):
            return op in TEMPORAL or op == "not" and temporal(arg)
        case S.Binary(op, a, b):
            return op in TEMPORAL or op in ("and", "or", "=>", "<=>") and (temporal(a) or temporal(b))
    return False


def _mentions_temporal(e: object) -> bool:
    """Whether a temporal operator appears anywhere in the syntax tree ``e``."""
    if isinstance(e, (S.Unary, S.Binary)) and e.op in TEMPORAL:
        return True
    if isinstance(e, tuple):
        return any(_mentions_temporal(x) for x in e)
    if dataclasses.is_dataclass(e) and not isinstance(e, type):
        return any(_mentions_temporal(getattr(e, f.name)) for f in dataclasses.fields(e)
                   if f.name != "span")
    return False


def check_liveness(host: _Host, d: S.LivenessDecl, actions: list[M.Action]) -> M.Liveness:
    sc, params = host.params(d.params)
    x = host.x
    f = d.formula

    def state(e: S.Expr, what: str) -> M.Expr:
        checked = x.check(e, sc)
        x.expect(checked, "bool", e.span, f"the {what} of liveness `{d.name}`")
        return checked

    keep = state(d.keep, "`while` condition") if d.keep is not None else None
    leads = isinstance(f, S.Binary) and f.op == "~>" and not temporal(f.left) \
        and not temporal(f.right)
    if (d.keep is not None or d.bound is not None) and not leads:
        what = "`while`" if d.bound is None else "`within`"
        host.err("E123", f"{what} applies to a leads-to `P ~> Q` of state predicates only", d.span,
                 "write the condition into the formula, e.g. `always (P => eventually (Q or not R))`")
    base = dict(name=d.name, doc=d.doc, params=tuple(params), span=d.span)
    if leads:
        assert isinstance(f, S.Binary)
        bound, tick = _bound(host, d, actions)
        return M.Liveness(**base, trigger=state(f.left, "trigger (left of `~>`)"),  # type: ignore[arg-type]
                          goal=state(f.right, "goal (right of `~>`)"), keep=keep,
                          bound=bound, tick=tick)
    match f:
        case S.Unary("always", S.Unary("eventually", p)) if not temporal(p):
            return M.Liveness(**base, trigger=TRUE, goal=state(p, "condition"),  # type: ignore[arg-type]
                              keep=None, form="infinitely")
        case S.Unary("eventually", S.Unary("always", p)) if not temporal(p):
            return M.Liveness(**base, trigger=TRUE, goal=state(p, "condition"),  # type: ignore[arg-type]
                              keep=None, form="persistence")
    if not temporal(f):
        if not _mentions_temporal(f):  # else the misplaced operator is the error
            host.err("E123", f"liveness `{d.name}` has no temporal operator", f.span,
                     "say when it must hold: `P ~> Q`, `always eventually P`, `eventually always "
                     "P`; a condition of every state is an `invariant`")
        state(f, "formula")
        return M.Liveness(**base, trigger=TRUE, goal=TRUE, keep=None)  # type: ignore[arg-type]
    return M.Liveness(**base, trigger=TRUE, goal=TRUE, keep=None, form="ltl",  # type: ignore[arg-type]
                      formula=_nnf(f, True, lambda e: state(e, "state predicate")))


def _bound(host: _Host, d: S.LivenessDecl, actions: list[M.Action]) -> tuple[int | None, int | None]:
    if d.bound is None:
        return None, None
    k = host.const_expr(d.bound, f"the bound of liveness `{d.name}`")
    if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= MAX_BOUND):
        host.err("E123", f"the bound of liveness `{d.name}` is {k!r}, not a number in 0..{MAX_BOUND:,}",
                 d.bound.span, "give the number of steps (or ticks) within which the goal must hold")
        k = None
    tick = None
    if d.tick is not None:
        by_name = {a.name: a.index for a in actions}
        tick = by_name.get(d.tick)
        if tick is None:
            from verifier.lang.diagnostics import did_you_mean

            best = did_you_mean(d.tick, list(by_name))
            host.err("E101", f"unknown action `{d.tick}` in `ticks of`", d.span,
                     f"did you mean `{best}`?" if best else "name the action that counts time")
    return (k if isinstance(k, int) else None), tick


def _nnf(e: S.Expr, positive: bool, atom: object) -> M.Temporal:
    """``e`` (or its negation) in negation normal form; ``atom`` checks a state predicate."""
    def go(x: S.Expr, pos: bool) -> M.Temporal:
        return _nnf(x, pos, atom)

    def both(op: str, a: M.Temporal, b: M.Temporal) -> M.Temporal:
        return M.Temporal(op, (a, b))

    if not temporal(e):
        checked = atom(e)  # type: ignore[operator]
        leaf = M.Temporal("atom", atom=checked)
        return leaf if positive else M.Temporal("not", (leaf,))
    match e:
        case S.Unary("not", a):
            return go(a, not positive)
        case S.Unary("always", a):
            return M.Temporal("always" if positive else "eventually", (go(a, positive),))
        case S.Unary("eventually", a):
            return M.Temporal("eventually" if positive else "always", (go(a, positive),))
        case S.Binary("and" | "or" as op, a, b):
            flip = {"and": "or", "or": "and"}
            return both(op if positive else flip[op], go(a, positive), go(b, positive))
        case S.Binary("=>", a, b):  # not a or b
            return both("or", go(a, False), go(b, True)) if positive else \
                both("and", go(a, True), go(b, False))
        case S.Binary("<=>", a, b):
            same = both("or", both("and", go(a, True), go(b, True)),
                        both("and", go(a, False), go(b, False)))
            differ = both("or", both("and", go(a, True), go(b, False)),
                          both("and", go(a, False), go(b, True)))
            return same if positive else differ
        case S.Binary("until", a, b):
            # not (a U b) == (not a) R (not b)
            return both("until" if positive else "release", go(a, positive), go(b, positive))
        case S.Binary("~>", a, b):  # always (not a or eventually b)
            inner = both("or", go(a, False), M.Temporal("eventually", (go(b, True),)))
            if positive:
                return M.Temporal("always", (inner,))
            return M.Temporal("eventually", (both("and", go(a, True),
                                                  M.Temporal("always", (go(b, False),))),))
    raise AssertionError(e)
