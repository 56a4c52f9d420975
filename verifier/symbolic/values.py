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

The smart constructors fold constants (``and_``, ``or_``, ``ite``...), which keeps the
formulas small: constants of the spec and fixed parameters vanish before Z3 sees them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import z3

from verifier.lang import typesys as T
from verifier.symbolic import terms as K
from verifier.symbolic.errors import Unsupported

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


def _bounds_union(a: SInt, b: SInt) -> tuple[int | None, int | None]:
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


# ---- equality -------------------------------------------------------------------------------


def eq_key(x: SVal, k: Any) -> Term:
    """``x == k`` for a runtime value ``k`` (the reference's ``_eq``)."""
    match x:
        case SBool(t):
            if not isinstance(k, bool):
                return FALSE
            return t if k else not_(t)
        case SInt(t, lo, hi):
            if not isinstance(k, int) or isinstance(k, bool):
                return FALSE
            if (lo is not None and k < lo) or (hi is not None and k > hi):
                return FALSE
            if lo is not None and lo == hi:
                return TRUE
            return K.mk_eq(t, K.int_val(k))
        case SEnum(ty, t):
            if not isinstance(k, str) or k not in ty.members:
                return FALSE
            i = ty.members.index(k)
            n = K.numeral(t)
            if n is not None:
                return TRUE if n == i else FALSE
            return K.mk_eq(t, K.int_val(i))
        case SOpt(some, inner):
            if k is None:
                return not_(some)
            if inner is None:
                return FALSE
            return and_(some, eq_key(inner, k))
        case STuple(items) | SMap(_, items):
            if not isinstance(k, tuple) or len(k) != len(items):
                return FALSE
            return and_all(eq_key(i, kv) for i, kv in zip(items, k))
        case SSet(entries):
            if not isinstance(k, frozenset):
                return FALSE
            inside = [member_key(x, kv) for kv in k]
            within = [implies(e.guard, or_all(eq_key(e.elem, kv) for kv in k)) for e in entries]
            return and_all(inside + within)
        case SSeq(length, items):
            if not isinstance(k, tuple) or len(k) > len(items):
                return FALSE
            return and_all([eq_key(length, len(k))] + [eq_key(items[i], kv) for i, kv in enumerate(k)])
    raise AssertionError(x)


def eq(a: SVal, b: SVal) -> Term:
    """``a == b`` with the reference semantics (``none`` equals only ``none``)."""
    kb = value_of(b)
    if kb is not NO:
        return eq_key(a, kb)
    ka = value_of(a)
    if ka is not NO:
        return eq_key(b, ka)
    if isinstance(a, SOpt) or isinstance(b, SOpt):
        return _eq_opt(a, b)
    match a, b:
        case SBool(x), SBool(y):
            return iff(x, y)
        case SInt(), SInt():
            if (a.hi is not None and b.lo is not None and a.hi < b.lo) or (
                    b.hi is not None and a.lo is not None and b.hi < a.lo):
                return FALSE
            return K.mk_eq(a.term, b.term)
        case SEnum(tx, x), SEnum(ty, y):
            return K.mk_eq(x, y) if tx.members == ty.members else FALSE
        case (STuple(xs), STuple(ys)) | (SMap(_, xs), SMap(_, ys)):
            if len(xs) != len(ys):
                return FALSE
            return and_all(eq(x, y) for x, y in zip(xs, ys))
        case SSet(), SSet():
            return set_eq(a, b)
        case SSeq(la, xs), SSeq(lb, ys):
            n = min(len(xs), len(ys))
            parts = [eq(la, lb)]
            parts += [implies(compare("<", int_const(i), la), eq(xs[i], ys[i])) for i in range(n)]
            if len(xs) != len(ys):
                parts.append(compare("<=", la, int_const(n)))
            return and_all(parts)
    return FALSE


def _eq_opt(a: SVal, b: SVal) -> Term:
    if not isinstance(a, SOpt):
        a, b = b, a
    assert isinstance(a, SOpt)
    if not isinstance(b, SOpt):
        return FALSE if a.inner is None else and_(a.some, eq(a.inner, b))
    if a.inner is None:
        return not_(b.some)
    if b.inner is None:
        return not_(a.some)
    return ite_term(a.some, and_(b.some, eq(a.inner, b.inner)), not_(b.some))


# ---- if-then-else on values -------------------------------------------------------------------


def lift_opt(v: SVal) -> SOpt:
    return v if isinstance(v, SOpt) else SOpt(TRUE, v)


def ite(c: Term, a: SVal, b: SVal) -> SVal:
    if K.is_true(c):
        return a
    if K.is_false(c):
        return b
    if a is b:
        return a
    if isinstance(a, SOpt) or isinstance(b, SOpt):
        oa, ob = lift_opt(a), lift_opt(b)
        if oa.inner is None:
            inner = ob.inner
        elif ob.inner is None:
            inner = oa.inner
        else:
            inner = ite(c, oa.inner, ob.inner)
        return SOpt(ite_term(c, oa.some, ob.some), inner)
    match a, b:
        case SBool(x), SBool(y):
            return SBool(ite_term(c, x, y))
        case SInt(), SInt():
            lo, hi = _bounds_union(a, b)
            return SInt(ite_term(c, a.term, b.term), lo, hi)
        case SEnum(ty, x), SEnum(_, y):
            return SEnum(ty, ite_term(c, x, y))
        case STuple(xs), STuple(ys):
            return STuple(tuple(ite(c, x, y) for x, y in zip(xs, ys, strict=True)))
        case SMap(keys, xs), SMap(_, ys):
            return SMap(keys, tuple(ite(c, x, y) for x, y in zip(xs, ys, strict=True)))
        case SSet(), SSet():
            return set_ite(c, a, b)
        case SSeq(la, xs), SSeq(lb, ys):
            n = max(len(xs), len(ys))
            items = []
            for i in range(n):
                if i >= len(xs):
                    items.append(ys[i])
                elif i >= len(ys):
                    items.append(xs[i])
                else:
                    items.append(ite(c, xs[i], ys[i]))
            length = ite(c, la, lb)
            assert isinstance(length, SInt)
            return SSeq(length, tuple(items))
    raise Unsupported(f"cannot merge values of different shapes ({type(a).__name__}, {type(b).__name__})")


# ---- sets -----------------------------------------------------------------------------------------


def keyed_set(entries: Iterable[Entry]) -> SSet:
    """A keyed set from constant-keyed entries; entries with the same key are merged."""
    by_key: dict[Any, Entry] = {}
    for e in entries:
        if K.is_false(e.guard):
            continue
        old = by_key.get(e.key)
        by_key[e.key] = e if old is None else Entry(e.key, or_(old.guard, e.guard), old.elem)
    return SSet(tuple(by_key.values()), True)


def make_set(entries: Iterable[Entry]) -> SSet:
    """A set from guarded elements, keyed when every element is a constant or the
    elements' universe is small enough to enumerate."""
    es = []
    for e in entries:
        if K.is_false(e.guard):
            continue
        k = value_of(e.elem) if e.key is NO else e.key
        es.append(Entry(k, e.guard, e.elem))
    if all(e.key is not NO for e in es):
        return keyed_set(es)
    return canon(SSet(tuple(es), False))


def canon(s: SSet) -> SSet:
    """``s`` keyed over the union of its elements' universes, when that is finite."""
    if s.keyed:
        return s
    forms: dict[Any, SVal] = {}
    for e in s.entries:
        u = [(e.key, e.elem)] if e.key is not NO else universe(e.elem)
        if u is None:
            return s
        for k, cv in u:
            forms.setdefault(k, cv)
        if len(forms) > UNIVERSE_LIMIT:
            return s
    out = []
    for k in sorted(forms, key=natural_key):
        g = or_all(and_(e.guard, eq_key(e.elem, k)) if e.key is NO else (e.guard if e.key == k else FALSE)
                   for e in s.entries)
        if not K.is_false(g):
            out.append(Entry(k, g, forms[k]))
    return SSet(tuple(out), True)


def member_key(s: SSet, k: Any) -> Term:
    if s.keyed:
        return or_all(e.guard for e in s.entries if e.key == k and _same_kind(e.key, k))
    return or_all(and_(e.guard, eq_key(e.elem, k)) for e in s.entries)


def _same_kind(a: Any, b: Any) -> bool:
    # 1 == True in Python; the type checker keeps them apart, this keeps keys exact.
    return isinstance(a, bool) == isinstance(b, bool)


def member(x: SVal, s: SSet) -> Term:
    k = value_of(x)
    if k is not NO:
        return member_key(s, k)
    if s.keyed:
        return or_all(and_(e.guard, eq_key(x, e.key)) for e in s.entries)
    return or_all(and_(e.guard, eq(x, e.elem)) for e in s.entries)


def _keyed_pair(a: SSet, b: SSet) -> tuple[SSet, SSet] | None:
    a2, b2 = canon(a), canon(b)
    if a2.keyed and b2.keyed:
        return a2, b2
    return None


def set_union(a: SSet, b: SSet) -> SSet:
    pair = _keyed_pair(a, b)
    if pair is not None:
        return keyed_set(pair[0].entries + pair[1].entries)
    return SSet(a.entries + b.entries, False)


def set_inter(a: SSet, b: SSet) -> SSet:
    pair = _keyed_pair(a, b)
    if pair is not None:
        ka, kb = pair
        return keyed_set(Entry(e.key, and_(e.guard, member_key(kb, e.key)), e.elem) for e in ka.entries)
    return make_set(Entry(NO, and_(e.guard, member(e.elem, b)), e.elem) for e in a.entries)


def set_diff(a: SSet, b: SSet) -> SSet:
    pair = _keyed_pair(a, b)
    if pair is not None:
        ka, kb = pair
        return keyed_set(Entry(e.key, and_(e.guard, not_(member_key(kb, e.key))), e.elem)
                         for e in ka.entries)
    return make_set(Entry(NO, and_(e.guard, not_(member(e.elem, b))), e.elem) for e in a.entries)


def subset(a: SSet, b: SSet) -> Term:
    pair = _keyed_pair(a, b)
    if pair is not None:
        return and_all(implies(e.guard, member_key(pair[1], e.key)) for e in pair[0].entries)
    return and_all(implies(e.guard, member(e.elem, b)) for e in a.entries)


def set_eq(a: SSet, b: SSet) -> Term:
    pair = _keyed_pair(a, b)
    if pair is not None:
        ka, kb = pair
        keys = {e.key: None for e in ka.entries} | {e.key: None for e in kb.entries}
        return and_all(iff(member_key(ka, k), member_key(kb, k)) for k in keys)
    return and_(subset(a, b), subset(b, a))


def set_ite(c: Term, a: SSet, b: SSet) -> SSet:
    pair = _keyed_pair(a, b)
    if pair is not None:
        ka, kb = pair
        keys = {e.key: e.elem for e in ka.entries} | {e.key: e.elem for e in kb.entries}
        return SSet(tuple(Entry(k, ite_term(c, member_key(ka, k), member_key(kb, k)), cv)
                          for k, cv in keys.items()), True)
    return SSet(tuple(Entry(NO, and_(c, e.guard), e.elem) for e in a.entries)
                + tuple(Entry(NO, and_(not_(c), e.guard), e.elem) for e in b.entries), False)


def distinct_guards(s: SSet) -> list[Term]:
    """Per entry: it is in the set and no earlier entry holds the same element."""
    if s.keyed:
        return [e.guard for e in s.entries]
    out = []
    for i, e in enumerate(s.entries):
        dup = or_all(and_(f.guard, eq(f.elem, e.elem)) for f in s.entries[:i])
        out.append(and_(e.guard, not_(dup)))
    return out


def set_len(s: SSet) -> SInt:
    return count(distinct_guards(s))


def iteration_order(s: SSet, elem_ty: T.Ty) -> list[Entry]:
    """The entries of a keyed set in the order the reference semantics visits a set's
    elements (``semantics.iter_set``: canonical order of the static element type)."""
    if not s.keyed:
        raise Unsupported("iterating over a set whose elements the translation cannot enumerate "
                          "(unbounded integers)")
    if T.is_finite(elem_ty):
        return sorted(s.entries, key=lambda e: T.key_index(elem_ty, e.key))
    return sorted(s.entries, key=lambda e: natural_key(e.key))
