"""Stage 5 (symbolic), part 2: states as Z3 constants, typed by the spec's variable types.

A state is one symbolic value per variable (``values.SVal``), built from fresh Z3
constants (``fresh``); the constants are its *leaves*, listed with where they sit in
the variable (``Leaf.path``) so that a formula over them can be printed back in the
spec's own syntax (``verifier/symbolic/fslprint.py``). Every stored value has one
canonical representation (``conform``): the inner value of a ``none`` and the unused
slots of a sequence hold a fixed default, so equal states have equal leaves and
``same`` is plain equality of leaves. ``domain`` states the variable types (ranges,
enum indices, capacities); ``contains`` is the run-time domain check of an assignment
(``typesys.contains``); ``decode`` reads a runtime value back from a Z3 model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from verifier import results as R
from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.symbolic import terms as K
from verifier.symbolic import valueops as VO
from verifier.symbolic import values as V
from verifier.symbolic.errors import Unsupported
from verifier.symbolic.values import (
    FALSE,
    TRUE,
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
)

# A step of a leaf's path: ("key", k) map entry, ("field", name) record field,
# ("pos", i) tuple component, ("some",) / ("inner",) of an option, ("elem", v) set
# membership, ("len",) / ("item", i) of a sequence.
PathStep = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One Z3 constant of a state: variable ``var``, at ``path``, of primitive type ``ty``
    (bool, int, a range or an enum; set memberships and option flags are bool)."""

    term: Term
    var: int
    path: tuple[PathStep, ...]
    ty: T.Ty


@dataclass(frozen=True, slots=True)
class SymState:
    values: tuple[SVal, ...]
    leaves: tuple[Leaf, ...]


def fresh_state(model: M.Model, tag: str) -> SymState:
    """A state of fresh constants named ``<variable>...@<tag>``."""
    leaves: list[Leaf] = []
    vals = tuple(fresh(v.ty, v.name, f"@{tag}", i, (), leaves) for i, v in enumerate(model.variables))
    return SymState(vals, tuple(leaves))


def _key_text(ty: T.Ty, k: Any) -> str:
    return R.format_value(T.display(ty, k))


def fresh(ty: T.Ty, name: str, tag: str, var: int, path: tuple[PathStep, ...],
          leaves: list[Leaf]) -> SVal:
    def leaf(term: Term, lty: T.Ty) -> Term:
        leaves.append(Leaf(term, var, path, lty))
        return term

    match ty:
        case T.BoolTy():
            return SBool(leaf(z3.Bool(name + tag), ty))
        case T.IntTy():
            return SInt(leaf(z3.Int(name + tag), ty))
        case T.RangeTy(lo, hi):
            return SInt(leaf(z3.Int(name + tag), ty), lo, hi)
        case T.EnumTy():
            return SEnum(ty, leaf(z3.Int(name + tag), ty))
        case T.OptionTy(inner):
            some = z3.Bool(f"{name}.some{tag}")
            leaves.append(Leaf(some, var, path + (("some",),), T.BOOL))
            return SOpt(some, fresh(inner, name, tag, var, path + (("inner",),), leaves))
        case T.SetTy(elem):
            entries = []
            for u in _finite_values(elem, name):
                b = z3.Bool(f"{name}∋{_key_text(elem, u)}{tag}")
                leaves.append(Leaf(b, var, path + (("elem", u, elem),), T.BOOL))
                entries.append(Entry(u, b, const_of(elem, u)))
            return SSet(tuple(entries), True)
        case T.SeqTy(elem, cap):
            length = z3.Int(f"len({name}){tag}")
            leaves.append(Leaf(length, var, path + (("len",),), T.RangeTy(0, cap)))
            items = tuple(fresh(elem, f"{name}[{i}]", tag, var, path + (("item", i),), leaves)
                          for i in range(cap))
            return SSeq(SInt(length, 0, cap), items)
        case T.TupleTy(items):
            return STuple(tuple(fresh(t, f"{name}[{i}]", tag, var, path + (("pos", i),), leaves)
                                for i, t in enumerate(items)))
        case T.RecordTy(names, types):
            return STuple(tuple(fresh(t, f"{name}.{n}", tag, var, path + (("field", n),), leaves)
                                for n, t in zip(names, types)))
        case T.MapTy(dom, cod):
            keys = _finite_values(dom, name)
            return SMap(keys, tuple(fresh(cod, f"{name}[{_key_text(dom, k)}]", tag, var,
                                          path + (("key", k, dom),), leaves) for k in keys))
    raise Unsupported(f"variable `{name}` has a type the symbolic engine cannot encode ({T.show(ty)})")


def _finite_values(ty: T.Ty, name: str) -> tuple[Any, ...]:
    if not T.is_finite(ty) or T.size(ty) > V.UNIVERSE_LIMIT:
        raise Unsupported(f"`{name}` ranges over {T.show(ty)}, which is unbounded or too large "
                          "to encode element by element")
    return T.value_list(ty)


# ---- constants and defaults ---------------------------------------------------------------------


def const_of(ty: T.Ty, v: Any) -> SVal:
    """The symbolic constant for runtime value ``v`` of static type ``ty``."""
    if v is None:
        inner = ty.inner if isinstance(ty, T.OptionTy) else T.ANY
        return SOpt(FALSE, None if isinstance(inner, T.AnyTy) else default(inner))
    match ty:
        case T.OptionTy(inner):
            return SOpt(TRUE, const_of(inner, v))
        case T.EnumTy(_, members):
            return SEnum(ty, K.int_val(members.index(v)))
        case T.SetTy(elem):
            return SSet(tuple(Entry(x, TRUE, const_of(elem, x))
                              for x in sorted(v, key=V.natural_key)), True)
        case T.SeqTy(elem, _):
            return SSeq(V.int_const(len(v)), tuple(const_of(elem, x) for x in v))
        case T.TupleTy(items) | T.RecordTy(_, items):
            return STuple(tuple(const_of(t, x) for t, x in zip(items, v, strict=True)))
        case T.MapTy(dom, cod):
            return SMap(T.value_list(dom), tuple(const_of(cod, x) for x in v))
    if isinstance(v, bool):
        return SBool(z3.BoolVal(v))
    if isinstance(v, int):
        return V.int_const(v)
    if isinstance(v, frozenset) and not v:
        return SSet((), True)
    if isinstance(v, tuple) and not v:
        return SSeq(V.int_const(0), ())
    raise Unsupported(f"cannot encode the constant {v!r} of type {T.show(ty)}")


def default(ty: T.Ty) -> SVal:
    """The fixed filler of don't-care positions (the inner value of ``none``, unused slots)."""
    match ty:
        case T.BoolTy():
            return SBool(FALSE)
        case T.IntTy():
            return V.int_const(0)
        case T.RangeTy(lo, _):
            return V.int_const(lo)
        case T.EnumTy():
            return SEnum(ty, K.int_val(0))
        case T.OptionTy(inner):
            return SOpt(FALSE, default(inner))
        case T.SetTy(elem):
            return SSet(tuple(Entry(u, FALSE, const_of(elem, u)) for u in _finite_values(elem, "a set")), True)
        case T.SeqTy(elem, cap):
            return SSeq(V.int_const(0), tuple(default(elem) for _ in range(cap)))
        case T.TupleTy(items) | T.RecordTy(_, items):
            return STuple(tuple(default(t) for t in items))
        case T.MapTy(dom, cod):
            return SMap(T.value_list(dom), tuple(default(cod) for _ in T.value_list(dom)))
    raise Unsupported(f"no default value for type {T.show(ty)}")


# ---- domains, conformance, equality --------------------------------------------------------------


def domain(ty: T.Ty, v: SVal) -> list[Term]:
    """The constraints saying the leaves of ``v`` encode a value of ``ty`` canonically."""
    match ty, v:
        case T.RangeTy(lo, hi), SInt(t):
            return [t >= lo, t <= hi]
        case T.EnumTy(_, members), SEnum(_, t):
            return [t >= 0, t < len(members)]
        case T.OptionTy(inner), SOpt(some, x):
            assert x is not None
            return domain(inner, x) + [V.or_(some, same(x, default(inner)))]
        case T.SeqTy(elem, cap), SSeq(length, items):
            out = [length.term >= 0, length.term <= cap]
            for i, it in enumerate(items):
                out += domain(elem, it)
                out.append(V.or_(length.term > i, same(it, default(elem))))
            return out
        case (T.TupleTy(tys) | T.RecordTy(_, tys)), STuple(items):
            return [c for t, it in zip(tys, items) for c in domain(t, it)]
        case T.MapTy(_, cod), SMap(_, items):
            return [c for it in items for c in domain(cod, it)]
    return []


def conform(ty: T.Ty, v: SVal) -> SVal:
    """``v`` in the canonical representation of a variable (or component) of type ``ty``;
    meaningful when ``contains(ty, v)`` holds."""
    match ty:
        case T.BoolTy() | T.IntTy() | T.RangeTy() | T.EnumTy():
            if isinstance(v, SOpt):
                assert v.inner is not None
                return conform(ty, v.inner)
            return v
        case T.OptionTy(inner):
            o = VO.lift_opt(v)
            d = default(inner)
            if o.inner is None or K.is_false(o.some):
                return SOpt(FALSE, d)
            x = conform(inner, o.inner)
            return SOpt(o.some, x if K.is_true(o.some) else VO.ite(o.some, x, d))
        case T.SetTy(elem):
            assert isinstance(v, SSet)
            return SSet(tuple(Entry(u, VO.member_key(v, u), const_of(elem, u))
                              for u in _finite_values(elem, "a set")), True)
        case T.SeqTy(elem, cap):
            assert isinstance(v, SSeq)
            d = default(elem)
            items = []
            for i in range(cap):
                if i >= len(v.items):
                    items.append(d)
                    continue
                x = conform(elem, v.items[i])
                items.append(VO.ite(V.compare("<", V.int_const(i), v.length), x, d))
            return SSeq(v.length, tuple(items))
        case T.TupleTy(tys) | T.RecordTy(_, tys):
            assert isinstance(v, STuple)
            return STuple(tuple(conform(t, x) for t, x in zip(tys, v.items, strict=True)))
        case T.MapTy(_, cod):
            assert isinstance(v, SMap)
            return SMap(v.keys, tuple(conform(cod, x) for x in v.items))
    return v


def same(a: SVal, b: SVal) -> Term:
    """Leaf-wise equality of two canonical representations."""
    match a, b:
        case SBool(x), SBool(y):
            return V.iff(x, y)
        case SInt(), SInt():
            return VO.eq(a, b)
        case SEnum(_, x), SEnum(_, y):
            return TRUE if x.eq(y) else x == y
        case SOpt(s1, x1), SOpt(s2, x2):
            assert x1 is not None and x2 is not None
            return V.and_(V.iff(s1, s2), same(x1, x2))
        case SSet(e1), SSet(e2):
            return V.and_all(V.iff(x.guard, y.guard) for x, y in zip(e1, e2, strict=True))
        case SSeq(l1, i1), SSeq(l2, i2):
            return V.and_all([VO.eq(l1, l2)] + [same(x, y) for x, y in zip(i1, i2, strict=True)])
        case (STuple(i1), STuple(i2)) | (SMap(_, i1), SMap(_, i2)):
            return V.and_all(same(x, y) for x, y in zip(i1, i2, strict=True))
    raise AssertionError((a, b))


def contains(ty: T.Ty, v: SVal) -> Term:
    """The run-time domain check ``typesys.contains(ty, value)``."""
    if isinstance(v, SOpt) and not isinstance(ty, (T.OptionTy, T.AnyTy)):
        # `none` is in no non-option type; a present value is checked as itself
        return FALSE if v.inner is None else V.and_(v.some, contains(ty, v.inner))
    match ty:
        case T.AnyTy():
            return TRUE
        case T.BoolTy():
            return TRUE if isinstance(v, SBool) else FALSE
        case T.IntTy():
            return TRUE if isinstance(v, SInt) else FALSE
        case T.RangeTy(lo, hi):
            if not isinstance(v, SInt):
                return FALSE
            return V.and_(V.compare("<=", V.int_const(lo), v), V.compare("<=", v, V.int_const(hi)))
        case T.EnumTy(_, members):
            return TRUE if isinstance(v, SEnum) and v.ty.members == members else FALSE
        case T.OptionTy(inner):
            o = VO.lift_opt(v)
            if o.inner is None:
                return TRUE
            return V.implies(o.some, contains(inner, o.inner))
        case T.SetTy(elem):
            if not isinstance(v, SSet):
                return FALSE
            return V.and_all(V.implies(e.guard, contains(elem, e.elem)) for e in v.entries)
        case T.SeqTy(elem, cap):
            if not isinstance(v, SSeq):
                return FALSE
            parts = [V.compare("<=", v.length, V.int_const(cap))]
            parts += [V.implies(V.compare("<", V.int_const(i), v.length), contains(elem, x))
                      for i, x in enumerate(v.items)]
            return V.and_all(parts)
        case T.TupleTy(tys) | T.RecordTy(_, tys):
            if not isinstance(v, STuple) or len(v.items) != len(tys):
                return FALSE
            return V.and_all(contains(t, x) for t, x in zip(tys, v.items))
        case T.MapTy(dom, cod):
            if not isinstance(v, SMap) or len(v.items) != T.size(dom):
                return FALSE
            return V.and_all(contains(cod, x) for x in v.items)
    raise AssertionError(ty)


# ---- reading values back ------------------------------------------------------------------------


def _b(model: Any, t: Term) -> bool:
    return bool(K.is_true(model.eval(t, model_completion=True)))


def _i(model: Any, t: Term) -> int:
    return int(model.eval(t, model_completion=True).as_long())


def decode(ty: T.Ty, v: SVal, model: Any) -> Any:
    """The runtime value of a canonical ``v`` of type ``ty`` in a Z3 model."""
    match ty, v:
        case T.BoolTy(), SBool(t):
            return _b(model, t)
        case (T.IntTy() | T.RangeTy()), SInt(t):
            return _i(model, t)
        case T.EnumTy(_, members), SEnum(_, t):
            return members[_i(model, t)]
        case T.OptionTy(inner), SOpt(some, x):
            if not _b(model, some):
                return None
            assert x is not None
            return decode(inner, x, model)
        case T.SetTy(), SSet(entries):
            return frozenset(e.key for e in entries if _b(model, e.guard))
        case T.SeqTy(elem, _), SSeq(length, items):
            return tuple(decode(elem, items[i], model) for i in range(_i(model, length.term)))
        case (T.TupleTy(tys) | T.RecordTy(_, tys)), STuple(items):
            return tuple(decode(t, x, model) for t, x in zip(tys, items))
        case T.MapTy(_, cod), SMap(_, items):
            return tuple(decode(cod, x, model) for x in items)
    raise AssertionError((ty, v))


def decode_state(model_: M.Model, st: SymState, z3model: Any) -> tuple[Any, ...]:
    return tuple(decode(var.ty, x, z3model) for var, x in zip(model_.variables, st.values))


def state_const(model_: M.Model, state: tuple[Any, ...]) -> tuple[SVal, ...]:
    """A concrete state as canonical symbolic constants."""
    return tuple(conform(var.ty, const_of(var.ty, x)) for var, x in zip(model_.variables, state))
