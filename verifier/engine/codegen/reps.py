"""Stage 5 (compiled stepper): which types compiled code handles, and how they nest.

Values in compiled code ("creps"): bool as bool or 0/1, numbers as ints, an enum member
as its index, ``none`` as None, and sets, maps, records and tuples as their packed
encoding (a set is a bit mask over its element type's values).
"""

from __future__ import annotations

from verifier.engine.codegen.runtime import Unsupported
from verifier.lang import typesys as T


def scalar(ty: T.Ty) -> bool:
    return isinstance(ty, (T.BoolTy, T.RangeTy, T.EnumTy, T.IntTy))


def composite(ty: T.Ty) -> bool:
    """Values of this type are handled as their packed encoding."""
    return isinstance(ty, (T.SetTy, T.MapTy, T.RecordTy, T.TupleTy))


def check_type(ty: T.Ty) -> None:
    """Types the compiled code handles: finite scalars, options of scalars, and
    sets/maps/records/tuples of those."""
    match ty:
        case T.BoolTy() | T.RangeTy() | T.EnumTy():
            return
        case T.OptionTy(inner) if isinstance(inner, (T.BoolTy, T.RangeTy, T.EnumTy)):
            return
        case T.SetTy(elem) if isinstance(elem, (T.BoolTy, T.RangeTy, T.EnumTy)):
            return
        case T.MapTy(dom, cod) if isinstance(dom, (T.BoolTy, T.RangeTy, T.EnumTy)):
            check_type(cod)
            return
        case T.RecordTy(_, items) | T.TupleTy(items):
            for i in items:
                check_type(i)
            return
    raise Unsupported(f"type {T.show(ty)}")


def fits(inner: T.Ty, outer: T.Ty) -> bool:
    """Every value of static type ``inner`` is a value of ``outer`` (so packing it into
    ``outer``'s layout cannot fail)."""
    if isinstance(inner, T.AnyTy) or inner == outer:
        return True
    match inner, outer:
        case T.RangeTy(a, b), T.RangeTy(c, d):
            return c <= a and b <= d
        case T.OptionTy(x), T.OptionTy(y):
            return fits(x, y)
        case _, T.OptionTy(y):
            return fits(inner, y)
        case T.SetTy(x), T.SetTy(y):
            return fits(x, y)
        case T.MapTy(d1, c1), T.MapTy(d2, c2):
            return d1 == d2 and fits(c1, c2)
        case (T.RecordTy(_, xs), T.RecordTy(_, ys)) | (T.TupleTy(xs), T.TupleTy(ys)):
            return len(xs) == len(ys) and all(fits(x, y) for x, y in zip(xs, ys))
    return False
