"""Stage 5 (symbolic), part 1b: integer arithmetic on symbolic values, with Python's
semantics (floor division and modulo, division by zero a run-time error) and sound
bounds. Constants fold; a product, quotient or remainder whose operand ranges over a
few values is split into cases on that value, which keeps the formulas linear (and
inside the finite-domain solver's reach) instead of handing Z3 nonlinear arithmetic.
"""

from __future__ import annotations

from typing import Any

import z3

from verifier.symbolic import terms as K
from verifier.symbolic.values import Errors, SInt, Term, and_, int_const, int_value, ite_term

EXPAND_LIMIT = 64  # largest operand range a nonlinear `*`, `//`, `%` is split over


def _opt(f: Any, *xs: int | None) -> int | None:
    return None if any(x is None for x in xs) else int(f(*xs))


def add(a: SInt, b: SInt) -> SInt:
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return int_const(va + vb)
    if va == 0:
        return b
    if vb == 0:
        return a
    return SInt(K.mk_add([a.term, b.term]), _opt(lambda x, y: x + y, a.lo, b.lo),
                _opt(lambda x, y: x + y, a.hi, b.hi))


def neg(a: SInt) -> SInt:
    v = int_value(a)
    if v is not None:
        return int_const(-v)
    return SInt(-a.term, _opt(lambda x: -x, a.hi), _opt(lambda x: -x, a.lo))


def sub(a: SInt, b: SInt) -> SInt:
    return add(a, neg(b))


def _small_values(x: SInt) -> list[int] | None:
    if x.lo is None or x.hi is None or x.hi - x.lo >= EXPAND_LIMIT:
        return None
    return list(range(x.lo, x.hi + 1))


def _case_split(x: SInt, values: list[int], f: Any) -> SInt:
    """``f(v)`` for the value ``v`` of ``x`` among ``values`` (an ite chain)."""
    parts = [f(v) for v in values]
    term = parts[-1].term
    for v, p in zip(reversed(values[:-1]), reversed(parts[:-1])):
        term = ite_term(K.mk_eq(x.term, K.int_val(v)), p.term, term)
    lo = None if any(p.lo is None for p in parts) else min(p.lo for p in parts)
    hi = None if any(p.hi is None for p in parts) else max(p.hi for p in parts)
    return SInt(term, lo, hi)


def mul(a: SInt, b: SInt) -> SInt:
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return int_const(va * vb)
    if va is not None:
        a, b, va, vb = b, a, vb, va
    if vb is not None:
        if vb == 0:
            return int_const(0)
        if vb == 1:
            return a
        lo, hi = _opt(lambda x: x * vb, a.lo), _opt(lambda x: x * vb, a.hi)
        if vb < 0:
            lo, hi = hi, lo
        return SInt(K.mk_mul(a.term, K.int_val(vb)), lo, hi)
    small = _small_values(b) or _small_values(a)
    if small is not None:
        other, split = (a, b) if _small_values(b) is not None else (b, a)
        return _case_split(split, small, lambda v: mul(other, int_const(v)))
    return SInt(a.term * b.term)


def floordiv_mod(a: SInt, b: SInt, op: str, g: Term, errs: Errors) -> SInt:
    """Python's ``//`` or ``%`` (floor semantics); division by zero is a run-time error."""
    va, vb = int_value(a), int_value(b)
    if vb is not None:
        if vb == 0:
            errs.add(g)
            return int_const(0)
        if va is not None:
            return int_const(va // vb if op == "//" else va % vb)
        return _div_const(a, vb, op)
    if (b.lo is None or b.lo <= 0) and (b.hi is None or b.hi >= 0):
        errs.add(and_(g, K.mk_eq(b.term, K.int_val(0))))
    small = _small_values(b)
    if small is not None:
        values = [v for v in small if v != 0] or [1]
        return _case_split(b, values, lambda v: _div_const(a, v, op))
    # General case: SMT-LIB div/mod are Euclidean; correct them to floor semantics.
    q, r = a.term / b.term, a.term % b.term
    neg_fix = z3.And(b.term < 0, r != 0)
    if op == "//":
        return SInt(z3.If(neg_fix, q - 1, q))
    return SInt(z3.If(neg_fix, r + b.term, r))


def _div_const(a: SInt, d: int, op: str) -> SInt:
    if d == 0:
        return int_const(0)
    va = int_value(a)
    if va is not None:
        return int_const(va // d if op == "//" else va % d)
    small = _small_values(a)
    if small is not None:  # a case split keeps the finite-domain solver applicable
        return _case_split(a, small, lambda v: int_const(v // d if op == "//" else v % d))
    if d > 0:
        if op == "//":
            return SInt(a.term / d, _opt(lambda x: x // d, a.lo), _opt(lambda x: x // d, a.hi))
        return SInt(a.term % d, 0, d - 1)
    q, r = a.term / d, a.term % d
    if op == "//":
        return SInt(z3.If(r != 0, q - 1, q), _opt(lambda x: x // d, a.hi), _opt(lambda x: x // d, a.lo))
    return SInt(z3.If(r != 0, r + d, r), d + 1, 0)


def minmax(a: SInt, b: SInt, name: str) -> SInt:
    va, vb = int_value(a), int_value(b)
    if va is not None and vb is not None:
        return int_const(min(va, vb) if name == "min" else max(va, vb))
    pick_a = K.mk_le(a.term, b.term) if name == "min" else K.mk_le(b.term, a.term)
    if name == "min":
        lo = _opt(min, a.lo, b.lo)
        hi = b.hi if a.hi is None else (a.hi if b.hi is None else min(a.hi, b.hi))
    else:
        hi = _opt(max, a.hi, b.hi)
        lo = b.lo if a.lo is None else (a.lo if b.lo is None else max(a.lo, b.lo))
    return SInt(ite_term(pick_a, a.term, b.term), lo, hi)


def abs_(a: SInt) -> SInt:
    v = int_value(a)
    if v is not None:
        return int_const(abs(v))
    if a.lo is not None and a.lo >= 0:
        return a
    if a.hi is not None and a.hi <= 0:
        return neg(a)
    hi = None if a.lo is None or a.hi is None else max(-a.lo, a.hi)
    return SInt(z3.If(a.term >= 0, a.term, -a.term), 0, hi)
