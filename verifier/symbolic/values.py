"""Stage 5 (symbolic), part 1: symbolic values, the runtime values of the reference
semantics (``verifier/lang/semantics.py``) as Z3 terms.

A symbolic value mirrors the shape of a runtime value: ``SBool`` and ``SInt`` wrap one
Z3 term (an ``SInt`` also carries sound integer bounds, used to skip impossible
run-time checks and to enumerate small numeric sets); an enum member is the ``Int``
index of the member (``SEnum``); ``SOpt`` is a presence flag and an inner value; a
tuple, record or map is one value per component (``STuple``, ``SMap``: one term per key
of the finite domain, no Z3 arrays); a sequence is a length and ``capacity`` slots
(``SSeq``). A set is a list of guarded elements (``SSet``): *keyed* when every element
is a distinct constant (the usual case: one Boolean per value of a finite element
type), unkeyed otherwise (e.g. ``{x + 1 for x in S}`` over unbounded integers).

The smart constructors fold constants (``and_``, ``or_``, ``ite_term``...), which keeps
the formulas small: constants of the spec and fixed parameters vanish before Z3 sees
them. Equality, if-then-else on whole values and the set algebra, which follow a value's
shape, are in ``verifier/symbolic/valueops.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import z3

from verifier.lang import typesys as T
from verifier.symbolic import terms as K

Term = Any  # z3 is untyped

UNIVERSE_LIMIT = 4096  # largest finite universe a set is enumerated over


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO"


NO: Any = _NoValue()  # "not a constant" (distinct from the runtime value None)

TRUE: Term = K.TRUE
FALSE: Term = K.FALSE


# ---- the values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SBool:
    term: Term


@dataclass(frozen=True, slots=True)
class SInt:
    """An integer; ``lo``/``hi`` are sound bounds (None: unbounded on that side)."""

    term: Term
    lo: int | None = None
    hi: int | None = None


@dataclass(frozen=True, slots=True)
class SEnum:
    ty: T.EnumTy
    term: Term  # the member's index


@dataclass(frozen=True, slots=True)
class SOpt:
    """``some`` false means ``none``; ``inner`` is None only for the literal ``none``."""

    some: Term
    inner: SVal | None


@dataclass(frozen=True, slots=True)
class Entry:
    key: Any      # the element's runtime value when constant, else NO
    guard: Term   # the element is in the set
    elem: SVal


@dataclass(frozen=True, slots=True)
class SSet:
    entries: tuple[Entry, ...]
    keyed: bool   # every entry has a constant key and the keys are distinct


@dataclass(frozen=True, slots=True)
class SSeq:
    length: SInt
    items: tuple[SVal, ...]  # slots at or past ``length`` are don't-care


@dataclass(frozen=True, slots=True)
class STuple:
    """Tuples and records (fields in declaration order)."""

    items: tuple[SVal, ...]


@dataclass(frozen=True, slots=True)
class SMap:
    keys: tuple[Any, ...]  # the domain's values in canonical order
    items: tuple[SVal, ...]


SVal = Union[SBool, SInt, SEnum, SOpt, SSet, SSeq, STuple, SMap]

NONE = SOpt(FALSE, None)


class Errors:
    """The run-time error conditions met so far, as one growing disjunction. Each
    condition already includes the path guard under which it was evaluated."""

    __slots__ = ("acc",)

    def __init__(self) -> None:
        self.acc: Term = FALSE

    def add(self, cond: Term) -> None:
        if not K.is_false(cond):
            self.acc = or_(self.acc, cond)


# ---- Boolean and integer smart constructors -----------------------------------------------


def and_(*xs: Term) -> Term:
    return and_all(xs)


def and_all(xs: Iterable[Term]) -> Term:
    out = []
    for x in xs:
        if K.is_false(x):
            return FALSE
        if not K.is_true(x):
            out.append(x)
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else K.mk_and(out)


def or_(*xs: Term) -> Term:
    return or_all(xs)


def or_all(xs: Iterable[Term]) -> Term:
    out = []
    for x in xs:
        if K.is_true(x):
            return TRUE
        if not K.is_false(x):
            out.append(x)
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else K.mk_or(out)


def not_(x: Term) -> Term:
    if K.is_true(x):
        return FALSE
    if K.is_false(x):
        return TRUE
    return K.mk_not(x)


def implies(a: Term, b: Term) -> Term:
    return or_(not_(a), b)


def iff(a: Term, b: Term) -> Term:
    if K.is_true(a):
        return b
    if K.is_true(b):
        return a
    if K.is_false(a):
        return not_(b)
    if K.is_false(b):
        return not_(a)
    if a.eq(b):
        return TRUE
    return K.mk_eq(a, b)


def ite_term(c: Term, a: Term, b: Term) -> Term:
    if K.is_true(c):
        return a
    if K.is_false(c):
        return b
    if a.eq(b):
        return a
    if isinstance(a, z3.BoolRef):
        if K.is_true(a):
            return or_(c, b)
        if K.is_false(a):
            return and_(not_(c), b)
        if K.is_false(b):
            return and_(c, a)
        if K.is_true(b):
            return or_(not_(c), a)
    return K.mk_ite(c, a, b)


def int_const(v: int) -> SInt:
    return SInt(K.int_val(v), v, v)


def int_value(x: SInt) -> int | None:
    return x.lo if x.lo is not None and x.lo == x.hi else None


def bounds_union(a: SInt, b: SInt) -> tuple[int | None, int | None]:
    lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
    hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
    return lo, hi


def compare(op: str, a: SInt, b: SInt) -> Term:
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return TRUE if {"<": va < vb, "<=": va <= vb, ">": va > vb, ">=": va >= vb}[op] else FALSE
    if op in (">", ">="):
        a, b, op = b, a, "<" if op == ">" else "<="
    # decided by the bounds?
    if a.hi is not None and b.lo is not None and (a.hi < b.lo or (op == "<=" and a.hi <= b.lo)):
        return TRUE
    if a.lo is not None and b.hi is not None and (a.lo > b.hi or (op == "<" and a.lo >= b.hi)):
        return FALSE
    return K.mk_lt(a.term, b.term) if op == "<" else K.mk_le(a.term, b.term)


def int_sum(xs: Sequence[SInt]) -> SInt:
    consts = sum(v for v in (int_value(x) for x in xs) if v is not None)
    terms = [x for x in xs if int_value(x) is None]
    if not terms:
        return int_const(consts)
    lo = None if any(x.lo is None for x in xs) else sum(x.lo for x in xs if x.lo is not None)
    hi = None if any(x.hi is None for x in xs) else sum(x.hi for x in xs if x.hi is not None)
    parts = [x.term for x in terms] + ([K.int_val(consts)] if consts else [])
    t = parts[0] if len(parts) == 1 else K.mk_add(parts)
    return SInt(t, lo, hi)


def count(guards: Sequence[Term]) -> SInt:
    """How many of ``guards`` are true."""
    return int_sum([SInt(K.mk_ite(g, K.int_val(1), K.int_val(0)), 0, 1)
                    if not (K.is_true(g) or K.is_false(g)) else int_const(1 if K.is_true(g) else 0)
                    for g in guards])


# ---- constants ----------------------------------------------------------------------------


def value_of(v: SVal) -> Any:
    """The runtime value of ``v`` when it is a constant, else ``NO``."""
    match v:
        case SBool(t):
            return True if K.is_true(t) else (False if K.is_false(t) else NO)
        case SInt():
            x = int_value(v)
            return NO if x is None else x
        case SEnum(ty, t):
            i = K.numeral(t)
            return NO if i is None else ty.members[i]
        case SOpt(some, inner):
            if K.is_false(some):
                return None
            if not K.is_true(some) or inner is None:
                return NO
            return value_of(inner)
        case STuple(items) | SMap(_, items):
            vals = tuple(value_of(i) for i in items)
            return NO if any(x is NO for x in vals) else vals
        case SSet(entries, keyed):
            if not keyed or any(not (K.is_true(e.guard) or K.is_false(e.guard)) for e in entries):
                return NO
            return frozenset(e.key for e in entries if K.is_true(e.guard))
        case SSeq(length, items):
            n = int_value(length)
            if n is None:
                return NO
            vals = tuple(value_of(i) for i in items[:n])
            return NO if any(x is NO for x in vals) else vals
    raise AssertionError(v)


def natural_key(v: Any) -> Any:
    """A total order on runtime values, for deterministic output only."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (1, int(v))
    if isinstance(v, int):
        return (2, v)
    if isinstance(v, str):
        return (3, v)
    if isinstance(v, tuple):
        return (4, tuple(natural_key(x) for x in v))
    if isinstance(v, frozenset):
        return (5, tuple(sorted(natural_key(x) for x in v)))
    return (6, repr(v))


def universe(v: SVal) -> list[tuple[Any, SVal]] | None:
    """Every value ``v`` can take, with its constant symbolic form (None: too many or
    unbounded)."""
    c = value_of(v)
    if c is not NO:
        return [(c, v)]
    match v:
        case SBool():
            return [(False, SBool(FALSE)), (True, SBool(TRUE))]
        case SInt(_, lo, hi):
            if lo is None or hi is None or hi - lo >= UNIVERSE_LIMIT:
                return None
            return [(i, int_const(i)) for i in range(lo, hi + 1)]
        case SEnum(ty):
            return [(m, SEnum(ty, K.int_val(i))) for i, m in enumerate(ty.members)]
        case SOpt(_, inner):
            if inner is None:
                return [(None, NONE)]
            u = universe(inner)
            if u is None:
                return None
            return [(None, NONE)] + [(x, SOpt(TRUE, cx)) for x, cx in u]
        case STuple(items):
            parts = [universe(i) for i in items]
            if any(p is None for p in parts):
                return None
            n = 1
            for p in parts:
                assert p is not None
                n *= len(p)
            if n > UNIVERSE_LIMIT:
                return None
            out: list[tuple[Any, SVal]] = []
            for combo in itertools.product(*(p for p in parts if p is not None)):
                out.append((tuple(x for x, _ in combo), STuple(tuple(cx for _, cx in combo))))
            return out
    return None
