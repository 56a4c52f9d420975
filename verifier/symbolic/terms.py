"""Stage 5 (symbolic), part 0: fast Z3 term constructors.

The translation builds hundreds of thousands of terms for a large model (HAL with 12
members). z3's Python operators (``z3.And``, ``==``, ``+``) check and coerce their
arguments on every call, which costs more than building the term; these helpers call
the C API directly on arguments the translation already knows to be well sorted
(Booleans, or integers). ``is_true``/``is_false`` compare AST ids, since Z3 hash-conses
terms. Only the translation's own terms pass through here; everything else uses the
ordinary z3 API.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import z3
from z3.z3 import _to_expr_ref  # pinned z3-solver: the C-API wrapper for a raw AST

Term = Any

_CTX = z3.main_ctx()
TRUE: Term = z3.BoolVal(True)
FALSE: Term = z3.BoolVal(False)
_TRUE_ID = TRUE.get_id()
_FALSE_ID = FALSE.get_id()


def is_true(x: Term) -> bool:
    return x is TRUE or z3.Z3_get_ast_id(_CTX.ref(), x.as_ast()) == _TRUE_ID


def is_false(x: Term) -> bool:
    return x is FALSE or z3.Z3_get_ast_id(_CTX.ref(), x.as_ast()) == _FALSE_ID


def _array(xs: list[Term]) -> Any:
    arr = (z3.Ast * len(xs))()
    for i, x in enumerate(xs):
        arr[i] = x.as_ast()
    return arr


def mk_and(xs: list[Term]) -> Term:
    return z3.BoolRef(z3.Z3_mk_and(_CTX.ref(), len(xs), _array(xs)), _CTX)


def mk_or(xs: list[Term]) -> Term:
    return z3.BoolRef(z3.Z3_mk_or(_CTX.ref(), len(xs), _array(xs)), _CTX)


def mk_not(x: Term) -> Term:
    return z3.BoolRef(z3.Z3_mk_not(_CTX.ref(), x.as_ast()), _CTX)


def mk_eq(a: Term, b: Term) -> Term:
    return z3.BoolRef(z3.Z3_mk_eq(_CTX.ref(), a.as_ast(), b.as_ast()), _CTX)


def mk_le(a: Term, b: Term) -> Term:
    return z3.BoolRef(z3.Z3_mk_le(_CTX.ref(), a.as_ast(), b.as_ast()), _CTX)


def mk_lt(a: Term, b: Term) -> Term:
    return z3.BoolRef(z3.Z3_mk_lt(_CTX.ref(), a.as_ast(), b.as_ast()), _CTX)


def mk_ite(c: Term, a: Term, b: Term) -> Term:
    return _to_expr_ref(z3.Z3_mk_ite(_CTX.ref(), c.as_ast(), a.as_ast(), b.as_ast()), _CTX)


def mk_add(xs: list[Term]) -> Term:
    return z3.ArithRef(z3.Z3_mk_add(_CTX.ref(), len(xs), _array(xs)), _CTX)


def mk_mul(a: Term, b: Term) -> Term:
    return z3.ArithRef(z3.Z3_mk_mul(_CTX.ref(), 2, _array([a, b])), _CTX)


@cache
def int_val(v: int) -> Term:
    """The Z3 numeral ``v`` (a pure memo: numerals are immutable and hash-consed)."""
    return z3.IntVal(v)


def numeral(x: Term) -> int | None:
    """The value of an integer numeral, else None."""
    if z3.Z3_is_numeral_ast(_CTX.ref(), x.as_ast()):
        return int(x.as_long())
    return None
