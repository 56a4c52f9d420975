"""Stage 5 (compiled stepper): the helpers that generated code calls at run time.

Generated code sees these under fixed mangled names (``_Err``, ``_ki_range``...), in a
namespace that ``namespace()`` builds afresh for every compiled function, so no two
steppers share mutable state. Each helper raises ``RuntimeFault`` where the reference
semantics (``verifier/lang/semantics.py``) raises an ``EvalError``; the engine turns it into an
error transition whose message comes from replaying the reference semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifier.lang import typesys as T

# Substrings of generated code that can raise ``RuntimeFault``: code holding none of them
# needs no ``try``.
FAILING = ("_Err", "_ki_range", "_div(", "_mod(", "_rc(")


class Unsupported(Exception):
    """The compiler cannot translate this construct; use the reference semantics."""


class RuntimeFault(Exception):
    """A run-time error inside compiled code (the message comes from the reference replay)."""


def ki_range(v: int, lo: int, n: int) -> int:
    """The index of key ``v`` in a map over ``lo..lo+n-1``."""
    i = v - lo
    if not 0 <= i < n:
        raise RuntimeFault()
    return i


def range_checked(v: int, lo: int, hi: int) -> int:
    if not lo <= v <= hi:
        raise RuntimeFault()
    return v


def div(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a // b


def mod(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a % b


def bits(x: int) -> list[int]:
    """The positions of the set bits of ``x``, lowest first (a set's elements in order)."""
    out = []
    i = 0
    while x:
        if x & 1:
            out.append(i)
        x >>= 1
        i += 1
    return out


def inset(mask: int, i: int) -> bool:
    return i >= 0 and bool(mask >> i & 1)


def inrange(x: int, lo: int, hi: int) -> bool:
    return lo <= x <= hi


def guard(fn: Callable[[], Any]) -> Any:
    """A condition whose run-time error reads as false (as ``semantics.fires`` does)."""
    try:
        return fn()
    except RuntimeFault:
        return False


def namespace() -> dict[str, Any]:
    """A fresh namespace holding the helpers under the names generated code uses."""
    return {"_guard": guard, "_Err": RuntimeFault, "_ki_range": ki_range, "_rc": range_checked,
            "_div": div, "_mod": mod, "_bits": bits, "_inset": inset, "_inrange": inrange}


def opt_encoder(inner: T.Ty) -> Callable[[Any], int]:
    """Crep of an optional ``inner`` -> its field bits (bit 0: present)."""
    lo = inner.lo if isinstance(inner, T.RangeTy) else 0

    def enc(v: Any) -> int:
        return 0 if v is None else ((int(v) - lo) << 1) | 1
    return enc

