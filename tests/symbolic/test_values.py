"""Unit tests of the symbolic value layer: Python's integer semantics, sets, options,
constant folding, and the leaf-level state encoding."""

from __future__ import annotations

from typing import Any

import pytest
import z3

from verifier.lang import typesys as T
from verifier.symbolic import arith as A
from verifier.symbolic import state as S
from verifier.symbolic import valueops as VO
from verifier.symbolic import values as V
from verifier.symbolic.values import NO, Entry, Errors, SBool, SEnum, SInt, SOpt, SSet


def concrete(term: Any, binding: dict[Any, int] | None = None) -> Any:
    pairs = [(k, z3.IntVal(v)) for k, v in (binding or {}).items()]
    t = z3.simplify(z3.substitute(term, *pairs) if pairs else term)
    if z3.is_true(t) or z3.is_false(t):
        return z3.is_true(t)
    return t.as_long()


@pytest.mark.parametrize("op", ["//", "%"])
def test_floor_division_and_modulo_follow_python(op: str) -> None:
    a, b = z3.Int("a"), z3.Int("b")
    for divisor_bounds in [(None, None), (-3, 3)]:
        sa, sb = SInt(a), SInt(b, *divisor_bounds)
        errs = Errors()
        q = A.floordiv_mod(sa, sb, op, V.TRUE, errs)
        for x in range(-7, 8):
            for d in range(-3, 4):
                err = concrete(errs.acc, {a: x, b: d})
                if d == 0:
                    assert err is True
                    continue
                assert err is False
                assert concrete(q.term, {a: x, b: d}) == (x // d if op == "//" else x % d), (x, d)


def test_division_by_a_constant_folds_and_checks_zero() -> None:
    errs = Errors()
    assert V.int_value(A.floordiv_mod(V.int_const(7), V.int_const(-2), "//", V.TRUE, errs)) == -4
    assert V.int_value(A.floordiv_mod(V.int_const(7), V.int_const(-2), "%", V.TRUE, errs)) == -1
    assert A.floordiv_mod(V.int_const(1), V.int_const(0), "//", z3.Bool("g"), errs) is not None
    assert str(errs.acc) == "g"


def test_bounds_propagate_and_decide_comparisons() -> None:
    x = SInt(z3.Int("x"), 0, 3)
    y = A.add(x, V.int_const(1))
    assert (y.lo, y.hi) == (1, 4)
    assert V.compare("<", x, V.int_const(4)) is V.TRUE
    assert V.compare(">", x, V.int_const(3)) is V.FALSE
    assert (A.mul(x, V.int_const(-2)).lo, A.mul(x, V.int_const(-2)).hi) == (-6, 0)
    assert VO.eq_key(x, 9) is V.FALSE


def test_small_nonlinear_products_are_split_into_cases() -> None:
    x, y = SInt(z3.Int("x"), 0, 3), SInt(z3.Int("y"), 2, 4)
    p = A.mul(x, y)
    assert (p.lo, p.hi) == (0, 12)
    for a in range(4):
        for b in range(2, 5):
            assert concrete(p.term, {z3.Int("x"): a, z3.Int("y"): b}) == a * b


def enum() -> T.EnumTy:
    return T.EnumTy("E", ("a", "b", "c"))


def test_sets_of_constants_are_keyed_and_operations_agree_with_python() -> None:
    e = enum()
    bits = {m: z3.Bool(f"in_{m}") for m in e.members}
    s1 = SSet(tuple(Entry(m, bits[m], S.const_of(e, m)) for m in e.members), True)
    s2 = S.const_of(T.SetTy(e), frozenset({"a", "c"}))
    assert isinstance(s2, SSet)
    for mask in range(8):
        val = {m for i, m in enumerate(e.members) if mask >> i & 1}
        sub = [(bits[m], z3.BoolVal(m in val)) for m in e.members]

        def ev(t: Any, sub: list[Any] = sub) -> Any:
            return z3.is_true(z3.simplify(z3.substitute(t, *sub)))

        assert {x.key for x in VO.set_union(s1, s2).entries if ev(x.guard)} == val | {"a", "c"}
        assert {x.key for x in VO.set_inter(s1, s2).entries if ev(x.guard)} == val & {"a", "c"}
        assert {x.key for x in VO.set_diff(s1, s2).entries if ev(x.guard)} == val - {"a", "c"}
        assert ev(VO.subset(s1, s2)) == (val <= {"a", "c"})
        assert ev(VO.set_eq(s1, s2)) == (val == {"a", "c"})
        assert concrete(z3.substitute(VO.set_len(s1).term, *sub)) == len(val)


def test_symbolic_elements_are_enumerated_over_their_universe() -> None:
    x = SInt(z3.Int("x"), 0, 2)
    s = VO.make_set([Entry(NO, V.TRUE, x), Entry(NO, V.TRUE, V.int_const(1))])
    assert s.keyed and [en.key for en in s.entries] == [0, 1, 2]
    for v in range(3):
        assert concrete(VO.set_len(s).term, {z3.Int("x"): v}) == len({v, 1})


def test_unbounded_elements_stay_unkeyed_and_len_deduplicates() -> None:
    x, y = SInt(z3.Int("x")), SInt(z3.Int("y"))
    s = VO.make_set([Entry(NO, V.TRUE, x), Entry(NO, V.TRUE, y)])
    assert not s.keyed
    assert concrete(VO.set_len(s).term, {z3.Int("x"): 5, z3.Int("y"): 5}) == 1
    assert concrete(VO.set_len(s).term, {z3.Int("x"): 5, z3.Int("y"): 6}) == 2


def test_none_equals_only_none() -> None:
    e = enum()
    some = z3.Bool("some")
    o = SOpt(some, SEnum(e, z3.Int("i")))
    assert str(VO.eq(o, V.NONE)) == "Not(some)"
    both = VO.eq(o, S.const_of(e, "b"))
    assert concrete(z3.substitute(both, (some, z3.BoolVal(False))), {z3.Int("i"): 1}) is False
    assert concrete(z3.substitute(both, (some, z3.BoolVal(True))), {z3.Int("i"): 1}) is True


def test_ite_merges_shapes_and_folds_constants() -> None:
    c = z3.Bool("c")
    assert VO.ite(V.TRUE, V.int_const(1), V.int_const(2)) == V.int_const(1)
    merged = VO.ite(c, V.NONE, S.const_of(enum(), "a"))
    assert isinstance(merged, SOpt) and str(merged.some) == "Not(c)"
    assert V.and_(V.TRUE, c) is c and V.or_(c, V.TRUE) is V.TRUE
    assert isinstance(VO.ite(c, SBool(V.TRUE), SBool(V.FALSE)), SBool)


def test_state_leaves_domain_and_decoding_round_trip() -> None:
    ty = T.MapTy(T.RangeTy(0, 1), T.OptionTy(T.RangeTy(2, 4)))
    leaves: list[S.Leaf] = []
    v = S.fresh(ty, "m", "@0", 0, (), leaves)
    assert [lf.path[-1][0] for lf in leaves] == ["some", "inner", "some", "inner"]
    for value in [(None, 3), (4, None), (None, None)]:
        s = z3.Solver()
        s.add(*S.domain(ty, v), S.same(v, S.conform(ty, S.const_of(ty, value))))
        assert s.check() == z3.sat
        assert S.decode(ty, v, s.model()) == value
        s.add(V.not_(S.same(v, S.conform(ty, S.const_of(ty, value)))))
        assert s.check() == z3.unsat  # one representation per value


def test_contains_is_the_runtime_domain_check() -> None:
    x = SInt(z3.Int("x"), 0, 5)
    c = S.contains(T.RangeTy(1, 3), x)
    assert [concrete(c, {z3.Int("x"): i}) for i in range(6)] == [T.contains(T.RangeTy(1, 3), i) for i in range(6)]
    assert S.contains(T.RangeTy(0, 9), x) is V.TRUE
    assert S.contains(T.RangeTy(0, 3), V.NONE) is V.FALSE
