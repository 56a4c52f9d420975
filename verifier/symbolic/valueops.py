"""Stage 5 (symbolic), part 1c: operations that follow the shape of a symbolic value.

Equality (``eq_key`` with a runtime value, ``eq`` between two symbolic values, with the
reference semantics: ``none`` equals only ``none``), if-then-else on values (``ite``:
two values of one shape merged under a condition, component by component) and the
set algebra on guarded entries (``make_set``, ``member``, union, intersection,
difference, subset, size, and the order in which the reference semantics iterates a
set). The three recurse into one another (sets of tuples, equality of sets, merging
sets), so they live together, on top of the values and smart constructors of
``verifier/symbolic/values.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from verifier.lang import typesys as T
from verifier.symbolic import terms as K
from verifier.symbolic.errors import Unsupported
from verifier.symbolic.values import (
    FALSE,
    NO,
    TRUE,
    UNIVERSE_LIMIT,
    Entry,
    SBool,
    SEnum,
    SInt,
    SMap,
    SOpt,
    SSeq,
    SSet,
    STuple,
    SVal,
    Term,
    and_,
    and_all,
    bounds_union,
    compare,
    count,
    iff,
    implies,
    int_const,
    ite_term,
    natural_key,
    not_,
    or_,
    or_all,
    universe,
    value_of,
)

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
            lo, hi = bounds_union(a, b)
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
