"""Stage 5 (compiled stepper): folding of code fragments whose operands are literals.

Unrolled parameters, quantifiers and picks substitute literals for bound variables, so
much of the generated code compares and adds constants (``dist(n, k) < dist(n, m)``
inside an unrolled ``forall``). Each function here returns the fragment for one
operation; when the operands are literals it returns, instead, the literal that the
fragment would evaluate to, computed by the same Python operator (so the value is the
one the code would have produced). A fragment is only dropped when it cannot raise a
run-time error (``can_fail``); fragments are self-contained (names bound inside one by
``:=`` are only used inside it), so dropping one never breaks another.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from verifier.engine.codegen.runtime import FAILING
from verifier.engine.codegen.source import lit, literal, number

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub,
    "*": operator.mul, "//": operator.floordiv, "%": operator.mod,
}


def can_fail(code: str) -> bool:
    """Whether evaluating ``code`` may raise a run-time error."""
    return any(m in code for m in FAILING)


def truth(code: str) -> bool | None:
    """The truth value of a literal fragment; None when it is not a literal."""
    return bool(lit(code)) if literal(code) else None


def render(v: Any) -> str:
    """A literal fragment for a folded value (``repr`` of a bool, an int or None)."""
    assert v is None or isinstance(v, (bool, int))
    return repr(v)


def binary(op: str, left: str, right: str) -> str:
    """``(left op right)`` for a comparison or an arithmetic operator."""
    if literal(left) and literal(right):
        try:
            return render(_OPS[op](lit(left), lit(right)))
        except (TypeError, ZeroDivisionError):
            pass  # left to run (and fail) as the unfolded code would
    return f"({left} {op} {right})"


def neg(code: str) -> str:
    if literal(code) and code not in ("None",):
        return render(-lit(code))  # type: ignore[operator]
    return f"(-{code})"


def not_(code: str) -> str:
    t = truth(code)
    return f"(not {code})" if t is None else render(not t)


def and_(left: str, right: str) -> str:
    """``(left and right)`` of two bool creps (True, False, 0 or 1, all read alike)."""
    lt, rt = truth(left), truth(right)
    if lt is not None:
        return right if lt else left
    if rt is True:
        return left
    if rt is False and not can_fail(left):
        return right
    return f"({left} and {right})"


def or_(left: str, right: str) -> str:
    """``(left or right)`` of two bool creps."""
    lt, rt = truth(left), truth(right)
    if lt is not None:
        return left if lt else right
    if rt is False:
        return left
    if rt is True and not can_fail(left):
        return right
    return f"({left} or {right})"


def all_(parts: list[str]) -> str:
    """``(p1 and p2 and ...)``; the empty conjunction is True."""
    out: list[str] = []
    for p in parts:
        t = truth(p)
        if t is True:
            continue
        out.append(p)
        if t is False:
            break
    if out and truth(out[-1]) is False and not any(can_fail(p) for p in out):
        return "False"
    if not out:
        return "True"
    return out[0] if len(out) == 1 else "(" + " and ".join(out) + ")"


def any_(parts: list[str]) -> str:
    """``(p1 or p2 or ...)``; the empty disjunction is False."""
    out: list[str] = []
    for p in parts:
        t = truth(p)
        if t is False:
            continue
        out.append(p)
        if t is True:
            break
    if out and truth(out[-1]) is True and not any(can_fail(p) for p in out):
        return "True"
    if not out:
        return "False"
    return out[0] if len(out) == 1 else "(" + " or ".join(out) + ")"


def sum_(parts: list[str]) -> str:
    """``(p1 + p2 + ...)`` of ints: the literal parts added up front, the others left in
    order (literals cannot fail, so evaluating them first changes nothing)."""
    const = sum(n for p in parts if (n := number(p)) is not None)
    rest = [p for p in parts if number(p) is None]
    if not rest:
        return str(const)
    return "(" + " + ".join(rest + ([str(const)] if const else [])) + ")"


def ite(cond: str, then: Callable[[], str], other: Callable[[], str]) -> str:
    """``(then if cond else other)``; with a literal condition only the branch taken is
    generated."""
    t = truth(cond)
    if t is not None:
        return then() if t else other()
    return f"({then()} if {cond} else {other()})"
