"""Stage 3 (part): the proof that a spec respects its ``symmetric`` enums, and permutations.

A ``symmetric enum`` declares its members interchangeable: renaming them by any
permutation maps every behaviour of the spec to a behaviour, every state where a
property holds to one where it holds. ``check_symmetry`` proves that on the checked IR
of the actions, invariants, reachables, constraints and liveness properties (definitions
are inlined there), or gives a located error for each place that breaks it:

- E125: a member named, directly or through a constant (``m == M1``, ``{M1}``), so the
  spec singles one out;
- E126: ``ord(m)``, the one way to order or compute with members;
- E127: a ``forall``/``exists`` over members whose body can raise a run-time error, or a
  ``pick`` over members followed by statements that can: the reference semantics runs
  members in declaration order and stops at the first decisive one, so *whether* the
  error is reached would depend on that order.

Nothing else in the language can tell members apart: enum members have no order, no
arithmetic, and ``==``/``!=``, quantifiers, parameters, sets, maps keyed or valued by
members, options and sequences all commute with a renaming. Initial values and ``init``
conditions are free to name and rank members (the triad-like "members 1..k start
active"): a renaming then maps the spec's initial states elsewhere, but every property
is symmetric, so the verdicts are those of the symmetric closure of the initial states,
which are the original ones' (docs/symmetry.md argues it). Report annotations (``lane``,
``message``) change no verdict and are not checked.

``permute`` renames the members in a value of a type; the engines build their canonical
forms on it (``verifier/engine/symmetry.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic
from verifier.lang.syntax import Span

Renaming = dict[str, str]  # member -> member (members are unique across enums)


@cache
def mentions(ty: T.Ty, names: frozenset[str]) -> bool:
    """Whether a value of ``ty`` can hold a member of one of the enums ``names``."""
    match ty:
        case T.EnumTy(name, _):
            return name in names
        case T.OptionTy(inner) | T.SetTy(inner) | T.SeqTy(inner, _):
            return mentions(inner, names)
        case T.TupleTy(items) | T.RecordTy(_, items):
            return any(mentions(i, names) for i in items)
        case T.MapTy(dom, cod):
            return mentions(dom, names) or mentions(cod, names)
    return False


def permute(ty: T.Ty, v: Any, ren: Renaming, names: frozenset[str]) -> Any:
    """``v`` with every member of the enums ``names`` renamed by ``ren``."""
    if not mentions(ty, names):
        return v
    match ty:
        case T.EnumTy():
            return ren.get(v, v)
        case T.OptionTy(inner):
            return None if v is None else permute(inner, v, ren, names)
        case T.SetTy(elem):
            return frozenset(permute(elem, x, ren, names) for x in v)
        case T.SeqTy(elem, _):
            return tuple(permute(elem, x, ren, names) for x in v)
        case T.TupleTy(items) | T.RecordTy(_, items):
            return tuple(permute(t, x, ren, names) for t, x in zip(items, v, strict=True))
        case T.MapTy(dom, cod):
            keys = T.value_list(dom)
            out: list[Any] = [None] * len(keys)
            for k, x in zip(keys, v, strict=True):
                out[T.key_index(dom, permute(dom, k, ren, names))] = permute(cod, x, ren, names)
            return tuple(out)
    return v


def transpositions(enums: tuple[T.EnumTy, ...]) -> Iterator[Renaming]:
    """Swaps of neighbouring members: together they generate every permutation."""
    for e in enums:
        for a, b in zip(e.members, e.members[1:]):
            yield {a: b, b: a}


def fixed(ty: T.Ty, v: Any, enums: tuple[T.EnumTy, ...]) -> bool:
    """Whether every renaming of ``enums`` leaves the value ``v`` as it is (``{}``, the
    set of all members, ``none``)."""
    names = frozenset(e.name for e in enums)
    if not mentions(ty, names):
        return True
    return all(permute(ty, v, ren, names) == v for ren in transpositions(enums))


# ---- the check --------------------------------------------------------------------------


@dataclass
class _Check:
    model: M.Model
    enums: tuple[T.EnumTy, ...]
    names: frozenset[str]
    out: list[Diagnostic]
    where: str = ""

    def error(self, code: str, msg: str, span: Span, hint: str) -> None:
        self.out.append(Diagnostic(code, f"{msg} ({self.where})", span, hint))

    def text(self, span: Span) -> str:
        lines = self.model.source.splitlines()
        if span.path != self.model.path or not 0 < span.line <= len(lines) or span.end_line != span.line:
            return ""
        return lines[span.line - 1][span.col - 1:span.end_col - 1]

    def sym(self, ty: T.Ty) -> bool:
        return mentions(ty, self.names)

    def enum_of(self, ty: T.Ty) -> str:
        for e in self.enums:
            if mentions(ty, frozenset({e.name})):
                return e.name
        return "?"

    # -- expressions
    def expr(self, e: M.Expr) -> None:
        match e:
            case M.EConst(v, ty):
                if self.sym(ty) and not fixed(ty, v, self.enums):
                    written = self.text(e.span)
                    shown = _show(ty, v)
                    what = f"`{written}` is {shown}" if written and written != shown else f"`{shown}` names"
                    name = self.enum_of(ty)
                    self.error("E125", f"{what} a member of the symmetric enum {name}", e.span,
                               f"a symmetric spec treats every {name} alike: quantify over {name}, "
                               "take the member as a parameter or compare members with each other; "
                               "initial values and `init` may name members. If they are not "
                               "interchangeable, remove `symmetric`")
                return
            case M.EBuiltin("ord", (a,)) if self.sym(a.ty):
                name = self.enum_of(a.ty)
                self.error("E126", f"`ord` orders the members of the symmetric enum {name}", e.span,
                           "a symmetric enum's members have no order in actions and properties; "
                           "`ord` may rank them in initial values and `init` conditions only")
            case M.EQuant(kind, _, doms, body) if kind in ("forall", "exists"):
                if any(self.sym(d.ty) for d in doms):
                    bad = may_fail(body) or next((r for d in doms[1:] if (r := may_fail(d))), None)
                    if bad is not None:
                        self.order_error(kind, bad, e.span, doms)
            case M.EEnabled(args=args):
                for a in args:
                    self.expr(a)
                return
        for c in _children(e):
            self.expr(c)

    def order_error(self, kind: str, bad: tuple[str, Span], span: Span,
                    doms: tuple[M.Expr, ...]) -> None:
        reason, at = bad
        name = self.enum_of(next(d.ty for d in doms if self.sym(d.ty)))
        stops = "runs the members in order, each with the rest of the action" if kind == "pick" \
            else "stops at the first member that decides it"
        self.error("E127", f"`{kind}` over {name} members {stops}, and {reason} at line {at.line} "
                   f"can raise a run-time error: whether it is reached depends on the order of the "
                   f"members, which a symmetric enum does not have", span,
                   "make that part unable to fail (a key of the map's own domain type, a number "
                   "kept in its range such as `min(x + 1, 3)`), or, for a quantifier, use "
                   "`count(...)`, which evaluates every member")

    # -- statements
    def stmts(self, body: tuple[M.Stmt, ...], after: tuple[str, Span] | None) -> None:
        """``after``: a way the statements after this block (to the end of the action)
        can fail."""
        variables = self.model.variables
        for k, st in enumerate(body):
            rest = stmts_may_fail(body[k + 1:], variables) or after
            match st:
                case M.SAssign(_, path, value):
                    for acc in path:
                        if isinstance(acc, (M.AKey, M.AIndex)):
                            self.expr(acc.key if isinstance(acc, M.AKey) else acc.index)
                    self.expr(value)
                case M.SRequire(cond):
                    self.expr(cond)
                case M.SIf(cond, then, other):
                    self.expr(cond)
                    self.stmts(then, rest)
                    self.stmts(other, rest)
                case M.SEither(branches):
                    for b in branches:
                        self.stmts(b, rest)
                case M.SPick(_, dom, inner):
                    self.expr(dom)
                    if self.sym(dom.ty):
                        bad = stmts_may_fail(inner, variables) or rest
                        if bad is not None:
                            self.order_error("pick", bad, st.span, (dom,))
                    self.stmts(inner, rest)


def _show(ty: T.Ty, v: Any) -> str:
    from verifier.results import format_value

    return format_value(T.display(ty, v))


def symmetric_type_errors(spec: S.Spec, types: Mapping[str, T.Ty]) -> list[Diagnostic]:
    """Only an enum can be symmetric: a range's values are numbers, which a spec orders
    and computes with (``symmetric type T = ...``, E126)."""
    out = []
    for d in spec.decls:
        if isinstance(d, S.TypeDecl) and d.symmetric:
            ty = types.get(d.name, T.ANY)
            what = "a range of numbers, which are ordered and computed with" \
                if isinstance(ty, T.RangeTy) else f"the type {T.show(ty)}"
            out.append(Diagnostic(
                "E126", f"only an enum can be symmetric: `{d.name}` is {what}", d.span,
                f"declare `symmetric enum {d.name}[n]` (members {d.name}1 .. {d.name}n) and rank "
                "its members with `ord` in initial values only, or remove `symmetric`"))
    return out


def check_symmetry(model: M.Model) -> list[Diagnostic]:
    """The errors that refute the model's ``symmetric`` declarations (none: it respects them)."""
    enums = model.symmetric
    c = _Check(model, enums, frozenset(e.name for e in enums), [])
    for a in model.actions:
        c.where = f"in action {a.name}"
        c.stmts(a.body, None)
    for p in model.properties:
        c.where = f"in {p.kind} {p.name}"
        c.expr(p.cond)
    for lv in model.liveness:
        c.where = f"in liveness {lv.name}"
        for e in (lv.trigger, lv.goal, lv.keep):
            if e is not None:
                c.expr(e)
        for atom in _atoms(lv.formula):
            c.expr(atom)
    return c.out


def _atoms(f: M.Temporal | None) -> Iterator[M.Expr]:
    if f is None:
        return
    if f.atom is not None:
        yield f.atom
    for a in f.args:
        yield from _atoms(a)


def _children(e: M.Expr) -> tuple[M.Expr, ...]:
    match e:
        case M.EUnary(_, a) | M.EField(a):
            return (a,)
        case M.EBinary(_, a, b) | M.EApply(a, b) | M.ESeqIndex(a, b):
            return (a, b)
        case M.EIte(c, a, b):
            return (c, a, b)
        case M.EQuant(_, _, doms, body):
            return (*doms, body)
        case M.ELet(_, v, body):
            return (v, body)
        case M.EBuiltin(_, args) | M.ESetLit(args) | M.ETuple(args) | M.ESeqLit(args):
            return args
        case M.ESetComp(elem, _, dom, cond):
            return (elem, dom) if cond is None else (elem, dom, cond)
        case M.EMapComp(_, body):
            return (body,)
        case M.EEnabled(args=args):
            return args
    return ()


# ---- which expressions and statements can raise a run-time error -----------------------
# Conservative: None only where no state can make them fail. Each answer says why and
# where: (what, span).

Failure = tuple[str, Span] | None


def within(src: T.Ty, dst: T.Ty) -> bool:
    """Whether every value of ``src`` is a value of ``dst``."""
    if isinstance(src, T.AnyTy):
        return True
    match src, dst:
        case T.RangeTy(a, b), T.RangeTy(c, d):
            return c <= a and b <= d
        case T.OptionTy(x), T.OptionTy(y):
            return within(x, y)
        case _, T.OptionTy(y):
            return within(src, y)
        case T.SetTy(x), T.SetTy(y):
            return within(x, y)
        case T.SeqTy(x, n), T.SeqTy(y, m):
            return n <= m and within(x, y)
        case T.TupleTy(xs), T.TupleTy(ys):
            return len(xs) == len(ys) and all(within(x, y) for x, y in zip(xs, ys))
        case T.RecordTy(n1, xs), T.RecordTy(n2, ys):
            return n1 == n2 and all(within(x, y) for x, y in zip(xs, ys))
        case T.MapTy(d1, x), T.MapTy(d2, y):
            return d1 == d2 and within(x, y)
    return src == dst


def interval(e: M.Expr) -> tuple[int, int] | None:
    """Bounds of a number expression, from the types of what it reads (None: unknown)."""
    match e:
        case M.EConst(v) if isinstance(v, int) and not isinstance(v, bool):
            return (v, v)
        case M.EUnary("-", a):
            iv = interval(a)
            return None if iv is None else (-iv[1], -iv[0])
        case M.EBinary(op, a, b) if op in ("+", "-", "*"):
            x, y = interval(a), interval(b)
            if x is None or y is None:
                return None
            if op == "+":
                return (x[0] + y[0], x[1] + y[1])
            if op == "-":
                return (x[0] - y[1], x[1] - y[0])
            prods = [p * q for p in x for q in y]
            return (min(prods), max(prods))
        case M.EIte(_, a, b):
            x, y = interval(a), interval(b)
            return None if x is None or y is None else (min(x[0], y[0]), max(x[1], y[1]))
        case M.EBuiltin(name, (a, b)) if name in ("min", "max"):
            x, y = interval(a), interval(b)
            if x is None or y is None:
                return None
            f = min if name == "min" else max
            return (f(x[0], y[0]), f(x[1], y[1]))
        case M.EBuiltin("len", (a,)) if isinstance(a.ty, T.SetTy) and T.is_finite(a.ty.elem):
            return (0, T.size(a.ty.elem))
        case M.EQuant("count", _, doms):
            n = 1
            for d in doms:
                if not (isinstance(d.ty, T.SetTy) and T.is_finite(d.ty.elem)):
                    return None
                n *= T.size(d.ty.elem)
            return (0, n)
        case M.ELet(_, _, body):
            return interval(body)
    if isinstance(e.ty, T.RangeTy):
        return (e.ty.lo, e.ty.hi)
    return None


def value_within(e: M.Expr, ty: T.Ty) -> bool:
    """Whether the value of ``e`` always lies in ``ty`` (numbers by their bounds)."""
    if isinstance(ty, T.RangeTy) and T.is_numeric(e.ty):
        iv = interval(e)
        return iv is not None and ty.lo <= iv[0] and iv[1] <= ty.hi
    return within(e.ty, ty)


def _first(*parts: Failure) -> Failure:
    for p in parts:
        if p is not None:
            return p
    return None


def may_fail(e: M.Expr) -> Failure:
    """How evaluating ``e`` can raise a run-time error, or None if it cannot."""
    sp = e.span
    match e:
        case M.EConst() | M.EVar() | M.ELocal() | M.ETypeSet():
            return None
        case M.EBinary(op, a, b) if op in ("//", "%"):
            zero = not (isinstance(b, M.EConst) and isinstance(b.value, int) and b.value != 0)
            return _first(may_fail(a), may_fail(b), ("a division", sp) if zero else None)
        case M.EBinary("range", a, b):
            lo, hi = a.ty, b.ty
            small = isinstance(lo, T.RangeTy) and isinstance(hi, T.RangeTy) and \
                hi.hi - lo.lo + 1 <= T.MAX_DOMAIN
            return _first(may_fail(a), may_fail(b), None if small else ("a range", sp))
        case M.EBinary(op, a, M.EBinary("range", lo, hi)) if op in ("in", "notin"):
            return _first(may_fail(a), may_fail(lo), may_fail(hi))  # not built: a comparison
        case M.EApply(m, k):
            mt = m.ty
            bad_key = not (isinstance(mt, T.MapTy) and value_within(k, mt.dom))
            return _first(may_fail(m), may_fail(k),
                          ("a map application on `none`", sp) if isinstance(mt, T.OptionTy) else None,
                          ("a map key", sp) if bad_key else None)
        case M.ESeqIndex():
            return ("a sequence index", sp)
        case M.EField(b):
            return _first(may_fail(b), ("a field of `none`", sp) if isinstance(b.ty, T.OptionTy) else None)
        case M.EBuiltin(name, args) if name in ("head", "tail"):
            return ("`" + name + "`", sp)
        case M.EBuiltin(name, (a,)) if name in ("min", "max"):
            return _first(may_fail(a), (f"`{name}` of a set", sp))
        case M.EBuiltin("len", (a,)) if isinstance(a.ty, T.OptionTy):
            return ("`len` of `none`", sp)
        case M.EEnabled(params=params, args=args):
            for p, a in zip(params, args, strict=True):
                if not within(a.ty, p.ty):
                    return ("an argument of `enabled`", a.span)
            return _first(*(may_fail(a) for a in args))
        case M.EUnary("-", a) if isinstance(a.ty, T.OptionTy):
            return ("`none` used as a number", sp)
    return _first(*(may_fail(c) for c in _children(e)))


def stmts_may_fail(body: tuple[M.Stmt, ...], variables: tuple[M.Variable, ...]) -> Failure:
    for st in body:
        bad = stmt_may_fail(st, variables)
        if bad is not None:
            return bad
    return None


def stmt_may_fail(st: M.Stmt, variables: tuple[M.Variable, ...]) -> Failure:
    match st:
        case M.SAssign(var, path, value, sp):
            ty = variables[var].ty
            for acc in path:
                ty = ty.inner if isinstance(ty, T.OptionTy) else ty
                match acc, ty:
                    case M.AKey(key), T.MapTy(dom, cod):
                        if not value_within(key, dom):
                            return ("a map key", sp)
                        if (bad := may_fail(key)) is not None:
                            return bad
                        ty = cod
                    case M.AField(pos), T.TupleTy(items) | T.RecordTy(_, items):
                        ty = items[pos]
                    case _:
                        return ("a sequence position", sp)
            if (bad := may_fail(value)) is not None:
                return bad
            if not value_within(value, ty):
                return ("an assignment of a value that may lie outside the target's type", sp)
            return None
        case M.SRequire(cond):
            return may_fail(cond)
        case M.SIf(cond, then, other):
            return _first(may_fail(cond), stmts_may_fail(then, variables),
                          stmts_may_fail(other, variables))
        case M.SEither(branches):
            return _first(*(stmts_may_fail(b, variables) for b in branches))
        case M.SPick(_, dom, body):
            return _first(may_fail(dom), stmts_may_fail(body, variables))
    return None
