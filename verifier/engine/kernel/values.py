"""Stage 5 (kernel engine): how values are represented in kernel code, and their bounds.

A *crep* is the value of an expression in generated numba code, always a machine
number: a bool is a numba bool, a number is an int64, an enum member is its index, an
optional scalar is its value or ``NONE``, and a set, map, record, tuple or sequence is
its packed encoding (``verifier.typesys``) in a *layout*: a finite type that says how
it is packed. An expression's layout is its static type, with every unbounded ``int``
replaced by the range its value can take; the two sides of a comparison or a set
operation are packed in one joined layout.

``Bounds`` is the interval analysis behind both: the range of every integer an
expression can take, from the types of the variables and the bound names. A kernel is
only generated when every intermediate integer provably stays below 2**62 in size, so
that int64 arithmetic is exact, as the reference semantics' Python integers are.
"""

from __future__ import annotations

from collections.abc import Iterable

from verifier.lang import model as M
from verifier.lang import typesys as T

Interval = tuple[int, int]

NONE = -(1 << 62)   # the crep of `none`: no number a kernel computes comes near it
UNSET = NONE - 1    # a memoized value not yet computed
LIMIT = 1 << 62     # |value| of any integer a kernel computes stays below this


class Unsupported(Exception):
    """A construct the kernel generator does not translate (the engine falls back)."""


SCALARS = (T.BoolTy, T.RangeTy, T.EnumTy, T.IntTy)


def is_scalar(ty: T.Ty) -> bool:
    return isinstance(ty, SCALARS)


def is_option(ty: T.Ty) -> bool:
    return isinstance(ty, T.OptionTy)


def is_composite(ty: T.Ty) -> bool:
    return isinstance(ty, (T.SetTy, T.MapTy, T.RecordTy, T.TupleTy, T.SeqTy))


def strip(ty: T.Ty) -> T.Ty:
    return ty.inner if isinstance(ty, T.OptionTy) else ty


def check_bounds(iv: Interval) -> Interval:
    if iv[0] <= -LIMIT or iv[1] >= LIMIT:
        raise Unsupported("integer arithmetic whose values may exceed 62 bits")
    return iv


def hull(ivs: Iterable[Interval]) -> Interval:
    ivs = list(ivs)
    return (min(i[0] for i in ivs), max(i[1] for i in ivs))


def type_interval(ty: T.Ty) -> Interval | None:
    ty = strip(ty)
    match ty:
        case T.RangeTy(lo, hi):
            return (lo, hi)
        case T.EnumTy(_, members):
            return (0, max(0, len(members) - 1))
        case T.BoolTy():
            return (0, 1)
    return None


def floordiv_bounds(a: Interval, b: Interval) -> Interval:
    cands = [x for x in (b[0], -1, 1, b[1]) if b[0] <= x <= b[1] and x != 0]
    if not cands:
        return (0, 0)  # always a division by zero: the value is never used
    vals = [x // y for x in a for y in cands]
    return (min(vals), max(vals))


def mod_bounds(b: Interval) -> Interval:
    lo, hi = 0, 0
    if b[1] > 0:
        hi = b[1] - 1
    if b[0] < 0:
        lo = b[0] + 1
    return (lo, hi)


def domain_size(dom_lay: T.Ty) -> int:
    assert isinstance(dom_lay, T.SetTy)
    return T.size(dom_lay.elem)


class Bounds:
    """Intervals of integer expressions; ``slots`` holds those of bound names (set by
    the generator as it meets binders, lets and parameters) and ``lays`` their layouts."""

    def __init__(self) -> None:
        self.slots: dict[int, Interval] = {}
        self.lays: dict[int, T.Ty] = {}

    # -- integers
    def of(self, e: M.Expr) -> Interval:
        return check_bounds(self._of(e))

    def _of(self, e: M.Expr) -> Interval:
        match e:
            case M.EConst(v, _):
                if isinstance(v, bool):
                    return (int(v), int(v))
                if isinstance(v, int):
                    return (v, v)
                if v is None:
                    return (0, 0)
            case M.ELocal(slot, _, ty):
                if slot in self.slots:
                    return self.slots[slot]
                iv = type_interval(ty)
                if iv is not None:
                    return iv
            case M.EUnary("-", a):
                lo, hi = self.of(a)
                return (-hi, -lo)
            case M.EBinary(op, a, b) if op in ("+", "-", "*", "//", "%"):
                x, y = self.of(a), self.of(b)
                if op == "+":
                    return (x[0] + y[0], x[1] + y[1])
                if op == "-":
                    return (x[0] - y[1], x[1] - y[0])
                if op == "*":
                    vals = [p * q for p in x for q in y]
                    return (min(vals), max(vals))
                if op == "//":
                    return floordiv_bounds(x, y)
                return mod_bounds(y)
            case M.EIte(_, a, b):
                return hull([self.of(a), self.of(b)])
            case M.ELet(slot, v, body):
                self.bind_value(slot, v)
                return self.of(body)
            case M.EQuant(kind, slots, doms, body) if kind in ("count", "sum"):
                n = 1
                for s, d in zip(slots, doms):
                    self.bind_domain(s, d)
                    n *= self.domain_count(d)
                if kind == "count":
                    return (0, n)
                lo, hi = self.of(body)
                return check_bounds((n * min(0, lo), n * max(0, hi)))
            case M.EBuiltin("len", (a,)):
                lay = self.lay(a)
                if isinstance(lay, T.SeqTy):
                    return (0, lay.capacity)
                if isinstance(lay, T.SetTy):
                    return (0, T.size(lay.elem) if not isinstance(lay.elem, T.AnyTy) else 0)
            case M.EBuiltin("ord", (a,)):
                iv = type_interval(a.ty)
                assert iv is not None
                return iv
            case M.EBuiltin("abs", (a,)):
                lo, hi = self.of(a)
                if lo >= 0:
                    return (lo, hi)
                if hi <= 0:
                    return (-hi, -lo)
                return (0, max(-lo, hi))
            case M.EBuiltin("min" | "max", (a, b)):
                x, y = self.of(a), self.of(b)
                return (min(x[0], y[0]), min(x[1], y[1])) if e.name == "min" else \
                    (max(x[0], y[0]), max(x[1], y[1]))
            case M.EBuiltin("min" | "max", (a,)):
                lay = self.lay(a)
                assert isinstance(lay, T.SetTy)
                iv = type_interval(lay.elem)
                if iv is not None:
                    return iv
            case M.EBuiltin("head", (a,)):
                lay = self.lay(a)
                assert isinstance(lay, T.SeqTy)
                iv = type_interval(lay.elem)
                if iv is not None:
                    return iv
        iv = type_interval(e.ty)
        if iv is not None and not isinstance(strip(e.ty), T.IntTy):
            return iv
        raise Unsupported(f"an integer expression without bounds ({type(e).__name__})")

    def bind_value(self, slot: int, v: M.Expr) -> None:
        ty = strip(v.ty)
        if is_composite(ty) or isinstance(ty, T.AnyTy) and is_composite(v.ty):
            self.lays[slot] = self.lay(v)
        elif isinstance(ty, (T.RangeTy, T.IntTy)):
            self.slots[slot] = self.of(v)

    def bind_domain(self, slot: int, dom: M.Expr) -> None:
        lay = self.lay(dom)
        assert isinstance(lay, T.SetTy)
        elem = lay.elem
        iv = type_interval(elem)
        if isinstance(strip(elem), T.RangeTy) and iv is not None:
            self.slots[slot] = iv
        if is_composite(elem):
            self.lays[slot] = elem

    def domain_count(self, dom: M.Expr) -> int:
        lay = self.lay(dom)
        assert isinstance(lay, T.SetTy)
        if isinstance(lay.elem, T.AnyTy):
            return 0
        return T.size(lay.elem)

    # -- layouts
    def lay(self, e: M.Expr) -> T.Ty:
        """The layout of a value: its static type, unbounded ints made ranges."""
        match e:
            case M.EVar() | M.EApply() | M.EField() | M.ESeqIndex():
                return self.finite(e.ty, e)
            case M.ELocal(slot, _, ty):
                if slot in self.lays:
                    return self.lays[slot]
                return self.finite(ty, e)
            case M.EConst(v, ty):
                return self.finite(ty, e, value=v)
            case M.ESetLit(items, ty):
                if not items:
                    return T.SetTy(T.ANY)
                return T.SetTy(self.join_all([self.elem_lay(i) for i in items]))
            case M.ESetComp(elem, slot, dom, _):
                self.bind_domain(slot, dom)
                return T.SetTy(self.elem_lay(elem))
            case M.EMapComp(slot, body, ty):
                assert isinstance(ty, T.MapTy)
                self.slots.pop(slot, None)
                iv = type_interval(ty.dom)
                if isinstance(ty.dom, T.RangeTy) and iv is not None:
                    self.slots[slot] = iv
                return T.MapTy(ty.dom, self.elem_lay(body))
            case M.ETuple(items, ty):
                lays = tuple(self.elem_lay(i) for i in items)
                if isinstance(ty, T.RecordTy):
                    return T.RecordTy(ty.names, lays)
                return T.TupleTy(lays)
            case M.ESeqLit(items, ty):
                elem = self.join_all([self.elem_lay(i) for i in items]) if items else T.ANY
                return T.SeqTy(elem, len(items))
            case M.ETypeSet(elem):
                return T.SetTy(elem)
            case M.EIte(_, a, b):
                return self.join(self.lay_or_elem(a), self.lay_or_elem(b))
            case M.ELet(slot, v, body):
                self.bind_value(slot, v)
                return self.lay(body)
            case M.EBinary("union" | "inter" | "diff", a, b):
                return self.join(self.lay(a), self.lay(b))
            case M.EBinary("range", a, b):
                lo, _ = self.of(a)
                _, hi = self.of(b)
                if hi < lo:
                    return T.SetTy(T.ANY)
                if hi - lo + 1 > 63:
                    raise Unsupported("a range of more than 63 values used as a set")
                return T.SetTy(T.RangeTy(lo, hi))
            case M.EBuiltin("tail", (a,)):
                return self.lay(a)
            case M.EBuiltin("append", (a, x)):
                sl = self.lay(a)
                assert isinstance(sl, T.SeqTy)
                return T.SeqTy(self.join(sl.elem, self.elem_lay(x)), sl.capacity + 1)
            case M.EBuiltin("head", (a,)):
                sl = self.lay(a)
                assert isinstance(sl, T.SeqTy)
                return sl.elem
        return self.finite(e.ty, e)

    def lay_or_elem(self, e: M.Expr) -> T.Ty:
        return self.elem_lay(e)

    def elem_lay(self, e: M.Expr) -> T.Ty:
        """The layout of a value that becomes part of a composite (an element, entry or
        field): scalars as their type, numbers as the range they take."""
        ty = e.ty
        if isinstance(ty, T.OptionTy):
            inner = strip(ty)
            if isinstance(inner, (T.RangeTy, T.IntTy)):
                lo, hi = self.of(e)
                return T.OptionTy(T.RangeTy(lo, hi))
            if isinstance(inner, T.AnyTy):
                return T.OptionTy(T.ANY)
            if is_scalar(inner):
                return T.OptionTy(inner)
            lay = self.lay(e)
            return lay if isinstance(lay, T.OptionTy) else T.OptionTy(lay)
        if isinstance(ty, (T.RangeTy, T.IntTy)):
            lo, hi = self.of(e)
            return T.RangeTy(lo, hi)
        if isinstance(ty, (T.BoolTy, T.EnumTy)):
            return ty
        if isinstance(ty, T.AnyTy):
            return self.lay(e) if isinstance(e, (M.ESetLit, M.ESeqLit)) else T.ANY
        return self.lay(e)

    def finite(self, ty: T.Ty, e: M.Expr, value: object = None) -> T.Ty:
        if T.is_finite(ty) or isinstance(ty, T.AnyTy):
            return ty
        if isinstance(ty, (T.IntTy, T.RangeTy)):
            lo, hi = self.of(e)
            return T.RangeTy(lo, hi)
        if isinstance(e, M.EConst):
            return _value_lay(ty, value)
        raise Unsupported(f"a value of type {T.show(ty)} without a finite layout")

    def join(self, a: T.Ty, b: T.Ty) -> T.Ty:
        return T.join(a, b)

    def join_all(self, lays: list[T.Ty]) -> T.Ty:
        out: T.Ty = T.ANY
        for x in lays:
            out = self.join(out, x)
        return out


def _value_lay(ty: T.Ty, v: object) -> T.Ty:
    """The layout of a constant whose type has unbounded ints: from the value itself."""
    match ty:
        case T.IntTy():
            assert isinstance(v, int)
            return T.RangeTy(v, v)
        case T.SetTy(elem):
            assert isinstance(v, frozenset)
            if not v:
                return T.SetTy(T.ANY)
            out: T.Ty = T.ANY
            for x in v:
                out = T.join(out, _value_lay(elem, x))
            return T.SetTy(out)
        case T.OptionTy(inner):
            return T.OptionTy(_value_lay(inner, v)) if v is not None else T.OptionTy(T.ANY)
        case T.TupleTy(items):
            assert isinstance(v, tuple)
            return T.TupleTy(tuple(_value_lay(i, x) for i, x in zip(items, v)))
        case T.RecordTy(names, items):
            assert isinstance(v, tuple)
            return T.RecordTy(names, tuple(_value_lay(i, x) for i, x in zip(items, v)))
        case T.SeqTy(elem, cap):
            assert isinstance(v, tuple)
            out = T.ANY
            for x in v:
                out = T.join(out, _value_lay(elem, x))
            return T.SeqTy(out, cap)
        case T.MapTy(dom, cod):
            assert isinstance(v, tuple)
            out = T.ANY
            for x in v:
                out = T.join(out, _value_lay(cod, x))
            return T.MapTy(dom, out)
    return ty


def free_slots(e: M.Expr) -> frozenset[int]:
    """The bound names (parameters, binders, lets) that ``e`` uses but does not bind."""
    match e:
        case M.ELocal(slot):
            return frozenset({slot})
        case M.EConst() | M.EVar() | M.ETypeSet():
            return frozenset()
        case M.EQuant(_, slots, doms, body):
            out = free_slots(body) - set(slots)
            for i, d in enumerate(doms):
                out |= free_slots(d) - set(slots[:i])
            return out
        case M.ELet(slot, v, body):
            return free_slots(v) | (free_slots(body) - {slot})
        case M.ESetComp(elem, slot, dom, cond):
            inner = free_slots(elem) | (free_slots(cond) if cond is not None else frozenset())
            return free_slots(dom) | (inner - {slot})
        case M.EMapComp(slot, body):
            return free_slots(body) - {slot}
        case M.EEnabled(args=args):
            found_args: frozenset[int] = frozenset()
            for a in args:
                found_args |= free_slots(a)
            return found_args
    found: frozenset[int] = frozenset()
    for child in _children(e):
        found |= free_slots(child)
    return found


def _children(e: M.Expr) -> tuple[M.Expr, ...]:
    match e:
        case M.EUnary(_, a) | M.EField(a):
            return (a,)
        case M.EBinary(_, a, b) | M.EApply(a, b) | M.ESeqIndex(a, b):
            return (a, b)
        case M.EIte(c, a, b):
            return (c, a, b)
        case M.EBuiltin(_, args) | M.ESetLit(args) | M.ETuple(args) | M.ESeqLit(args):
            return tuple(args)
    raise AssertionError(type(e).__name__)


def conjuncts(e: M.Expr) -> list[M.Expr]:
    """``a and b and c`` -> [a, b, c] (left to right)."""
    if isinstance(e, M.EBinary) and e.op == "and":
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


def crep_value(ty: T.Ty, v: object) -> int:
    """The crep of the value ``v`` of a scalar (or optional scalar) type, as an int."""
    if v is None:
        return NONE
    match strip(ty):
        case T.EnumTy(_, members):
            return members.index(v)
        case T.BoolTy():
            return int(bool(v))
        case T.RangeTy() | T.IntTy():
            assert isinstance(v, int)
            return int(v)
    raise Unsupported(f"a parameter of type {T.show(ty)}")
