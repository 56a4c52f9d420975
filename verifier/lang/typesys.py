"""Types of the checked model, their finite domains, and the packed state encoding.

Runtime values: bool, int (ranges and ``int``), str (an enum member; member names are
unique across enums), None (``none``), frozenset (sets), tuple (tuples, records in
field order, sequences, and maps as the tuple of their values in domain order).

The encoding (documented in docs/language.md, "State encoding") gives every finite
type a bit width and packs a value into an int below ``2**width``: bool 1 bit; a range
``lo..hi`` stores ``v - lo``; an enum its member index; ``T?`` 0 for none, else
``enc(v) << 1 | 1``; ``set[T]`` one bit per value of T; ``seq[T, n]`` a length field
then n slots (unused slots zero); tuples, records and maps concatenate their fields
(first field in the lowest bits). A state concatenates its variables the same way, so
a compiled engine can read a field with one shift and one mask.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from verifier import results as R


@dataclass(frozen=True, slots=True)
class BoolTy:
    pass


@dataclass(frozen=True, slots=True)
class IntTy:
    """Unbounded integers: fine for the symbolic engine, bounded by constraints for search."""


@dataclass(frozen=True, slots=True)
class RangeTy:
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class EnumTy:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OptionTy:
    inner: Ty


@dataclass(frozen=True, slots=True)
class SetTy:
    elem: Ty


@dataclass(frozen=True, slots=True)
class SeqTy:
    elem: Ty
    capacity: int


@dataclass(frozen=True, slots=True)
class TupleTy:
    items: tuple[Ty, ...]


@dataclass(frozen=True, slots=True)
class RecordTy:
    names: tuple[str, ...]
    types: tuple[Ty, ...]


@dataclass(frozen=True, slots=True)
class MapTy:
    dom: Ty
    cod: Ty


@dataclass(frozen=True, slots=True)
class AnyTy:
    """The element type of ``{}`` and ``[]`` before context fixes it."""


Ty = Union[BoolTy, IntTy, RangeTy, EnumTy, OptionTy, SetTy, SeqTy, TupleTy, RecordTy, MapTy, AnyTy]

BOOL = BoolTy()
INT = IntTy()
ANY = AnyTy()


def show(t: Ty) -> str:
    """A type as the user writes it."""
    match t:
        case BoolTy():
            return "bool"
        case IntTy():
            return "int"
        case RangeTy(lo, hi):
            return f"{lo}..{hi}"
        case EnumTy(name, _):
            return name
        case OptionTy(inner):
            return f"{show(inner)}?"
        case SetTy(elem):
            return f"set[{show(elem)}]"
        case SeqTy(elem, cap):
            return f"seq[{show(elem)}, {cap}]"
        case TupleTy(items):
            return "tuple[" + ", ".join(show(i) for i in items) + "]"
        case RecordTy(names, types):
            return "{" + ", ".join(f"{n}: {show(x)}" for n, x in zip(names, types)) + "}"
        case MapTy(dom, cod):
            d = show(dom)
            return f"({d}) -> {show(cod)}" if isinstance(dom, MapTy) else f"{d} -> {show(cod)}"
        case AnyTy():
            return "?"
    raise AssertionError(t)


def is_numeric(t: Ty) -> bool:
    return isinstance(t, (IntTy, RangeTy))


def is_finite(t: Ty) -> bool:
    match t:
        case IntTy() | AnyTy():
            return False
        case BoolTy() | RangeTy() | EnumTy():
            return True
        case OptionTy(inner) | SetTy(inner):
            return is_finite(inner)
        case SeqTy(elem, _):
            return is_finite(elem)
        case TupleTy(items) | RecordTy(_, items):
            return all(is_finite(i) for i in items)
        case MapTy(dom, cod):
            return is_finite(dom) and is_finite(cod)
    raise AssertionError(t)


def compatible(a: Ty, b: Ty) -> bool:
    """Whether values of ``a`` and ``b`` may be compared or assigned (domains checked at run time)."""
    if isinstance(a, AnyTy) or isinstance(b, AnyTy):
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if isinstance(a, OptionTy) and not isinstance(b, OptionTy):
        return compatible(a.inner, b)
    if isinstance(b, OptionTy) and not isinstance(a, OptionTy):
        return compatible(a, b.inner)
    if type(a) is not type(b):
        return False
    match a, b:
        case (OptionTy(x), OptionTy(y)) | (SetTy(x), SetTy(y)):
            return compatible(x, y)
        case SeqTy(x, _), SeqTy(y, _):
            return compatible(x, y)
        case TupleTy(xs), TupleTy(ys):
            return len(xs) == len(ys) and all(compatible(x, y) for x, y in zip(xs, ys))
        case RecordTy(n1, t1), RecordTy(n2, t2):
            return n1 == n2 and all(compatible(x, y) for x, y in zip(t1, t2))
        case MapTy(d1, c1), MapTy(d2, c2):
            return d1 == d2 and compatible(c1, c2)
        case EnumTy(), EnumTy():
            return a == b
    return True


def join(a: Ty, b: Ty) -> Ty:
    """A common type of two compatible types (for if-then-else, set literals)."""
    if isinstance(a, AnyTy):
        return b
    if isinstance(b, AnyTy):
        return a
    if is_numeric(a) and is_numeric(b):
        if isinstance(a, RangeTy) and isinstance(b, RangeTy):
            return RangeTy(min(a.lo, b.lo), max(a.hi, b.hi))
        return INT
    if isinstance(a, OptionTy) and not isinstance(b, OptionTy):
        return OptionTy(join(a.inner, b))
    if isinstance(b, OptionTy) and not isinstance(a, OptionTy):
        return OptionTy(join(a, b.inner))
    match a, b:
        case OptionTy(x), OptionTy(y):
            return OptionTy(join(x, y))
        case SetTy(x), SetTy(y):
            return SetTy(join(x, y))
        case SeqTy(x, n), SeqTy(y, m):
            return SeqTy(join(x, y), max(n, m))
        case TupleTy(xs), TupleTy(ys):
            return TupleTy(tuple(join(x, y) for x, y in zip(xs, ys)))
        case RecordTy(ns, xs), RecordTy(_, ys):
            return RecordTy(ns, tuple(join(x, y) for x, y in zip(xs, ys)))
        case MapTy(d, x), MapTy(_, y):
            return MapTy(d, join(x, y))
    return a


# ---- finite domains ------------------------------------------------------------------------


# Sizes beyond 2**HUGE_BITS saturate at HUGE: nothing that large can be enumerated or
# encoded, and computing it exactly (a map of maps over 0..65535) takes gigabytes.
HUGE_BITS = 1 << 16
HUGE = 1 << HUGE_BITS

# Values in a type or range that a spec may use as a set (a quantifier domain, a
# parameter, a map's keys, a set's elements, a range used as a value): the checker
# reports more as E110, and the semantics raises a run-time error for a range computed
# from the state that is larger.
MAX_DOMAIN = 1 << 16
# What ``value_list`` materializes at most (the initial-state candidates of one variable
# are limited to a million by the checker): a last guard against a list of billions.
MAX_LISTED = 1 << 22


class TooManyValues(ValueError):
    """A type with more values than ``value_list`` will list."""


def size(t: Ty) -> int:
    """How many values the type has (at most ``HUGE``: larger sizes saturate)."""
    match t:
        case BoolTy():
            return 2
        case RangeTy(lo, hi):
            return min(hi - lo + 1, HUGE)
        case EnumTy(_, members):
            return len(members)
        case OptionTy(inner):
            return min(1 + size(inner), HUGE)
        case SetTy(elem):
            n = size(elem)
            return HUGE if n >= HUGE_BITS else 1 << n
        case SeqTy(elem, cap):
            n = size(elem)
            if n.bit_length() * cap > HUGE_BITS:
                return HUGE
            return min(sum(int(n ** k) for k in range(cap + 1)), HUGE)
        case TupleTy(items) | RecordTy(_, items):
            out = 1
            for i in items:
                out *= size(i)
                if out >= HUGE:
                    return HUGE
            return out
        case MapTy(dom, cod):
            d, c = size(dom), size(cod)
            if c <= 1:
                return 1
            if d > HUGE_BITS or (c.bit_length() - 1) * d > HUGE_BITS:
                return HUGE
            return min(int(c ** d), HUGE)
    raise ValueError(f"type {show(t)} has no finite domain")


def show_count(n: int) -> str:
    """A number of values for a message: exact, or ``more than 10^30``."""
    return f"{n:,}" if n < 10 ** 30 else "more than 10^30"


def values(t: Ty) -> Iterator[Any]:
    """Every value of a finite type, in the canonical order."""
    match t:
        case BoolTy():
            yield from (False, True)
        case RangeTy(lo, hi):
            yield from range(lo, hi + 1)
        case EnumTy(_, members):
            yield from members
        case OptionTy(inner):
            yield None
            yield from values(inner)
        case SetTy(elem):
            elems = list(values(elem))
            for mask in range(1 << len(elems)):
                yield frozenset(e for i, e in enumerate(elems) if mask >> i & 1)
        case SeqTy(elem, cap):
            elems = list(values(elem))
            for k in range(cap + 1):
                yield from itertools.product(elems, repeat=k)
        case TupleTy(items) | RecordTy(_, items):
            yield from itertools.product(*(list(values(i)) for i in items))
        case MapTy(dom, cod):
            yield from itertools.product(list(values(cod)), repeat=size(dom))
        case _:
            raise ValueError(f"type {show(t)} has no finite domain")


@cache
def value_list(t: Ty) -> tuple[Any, ...]:
    n = size(t)
    if n > MAX_LISTED:
        raise TooManyValues(f"type {show(t)} has {show_count(n)} values, too many to list "
                            f"(at most {MAX_LISTED:,})")
    return tuple(values(t))


@cache
def _index_table(t: Ty) -> dict[Any, int]:
    return {v: i for i, v in enumerate(value_list(t))}


def key_index(t: Ty, v: Any) -> int:
    """Position of ``v`` in the canonical order of ``t`` (map keys); -1 when outside."""
    match t:
        case BoolTy():
            return int(v) if isinstance(v, bool) else -1
        case RangeTy(lo, hi):
            return v - lo if isinstance(v, int) and lo <= v <= hi else -1
    return _index_table(t).get(v, -1)


def contains(t: Ty, v: Any) -> bool:
    """Whether ``v`` is a value of type ``t`` (the run-time domain check of assignments)."""
    match t:
        case BoolTy():
            return isinstance(v, bool)
        case IntTy():
            return isinstance(v, int) and not isinstance(v, bool)
        case RangeTy(lo, hi):
            return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        case EnumTy(_, members):
            return v in members
        case OptionTy(inner):
            return v is None or contains(inner, v)
        case SetTy(elem):
            return isinstance(v, frozenset) and all(contains(elem, x) for x in v)
        case SeqTy(elem, cap):
            return isinstance(v, tuple) and len(v) <= cap and all(contains(elem, x) for x in v)
        case TupleTy(items) | RecordTy(_, items):
            return isinstance(v, tuple) and len(v) == len(items) and all(
                contains(i, x) for i, x in zip(items, v))
        case MapTy(dom, cod):
            return isinstance(v, tuple) and len(v) == size(dom) and all(contains(cod, x) for x in v)
        case AnyTy():
            return True
    raise AssertionError(t)


# ---- packed encoding --------------------------------------------------------------------------


def _bits(n: int) -> int:
    """Bits to store a number in 0..n-1."""
    return max(0, (n - 1).bit_length())


@cache
def width(t: Ty) -> int:
    match t:
        case BoolTy():
            return 1
        case RangeTy(lo, hi):
            return _bits(hi - lo + 1)
        case EnumTy(_, members):
            return _bits(len(members))
        case OptionTy(inner):
            return width(inner) + 1
        case SetTy(elem):
            return size(elem)
        case SeqTy(elem, cap):
            return _bits(cap + 1) + cap * width(elem)
        case TupleTy(items) | RecordTy(_, items):
            return sum(width(i) for i in items)
        case MapTy(dom, cod):
            return size(dom) * width(cod)
    raise ValueError(f"type {show(t)} has no fixed-width encoding")


def encode(t: Ty, v: Any) -> int:
    match t:
        case BoolTy():
            return 1 if v else 0
        case RangeTy(lo, _):
            return int(v) - lo
        case EnumTy(_, members):
            return members.index(v)
        case OptionTy(inner):
            return 0 if v is None else (encode(inner, v) << 1) | 1
        case SetTy(elem):
            out = 0
            for x in v:
                out |= 1 << key_index(elem, x)
            return out
        case SeqTy(elem, cap):
            out, shift, w = len(v), _bits(cap + 1), width(elem)
            for x in v:
                out |= encode(elem, x) << shift
                shift += w
            return out
        case TupleTy(items) | RecordTy(_, items):
            out, shift = 0, 0
            for it, x in zip(items, v):
                out |= encode(it, x) << shift
                shift += width(it)
            return out
        case MapTy(_, cod):
            out, shift, w = 0, 0, width(cod)
            for x in v:
                out |= encode(cod, x) << shift
                shift += w
            return out
    raise ValueError(f"type {show(t)} has no fixed-width encoding")


def decode(t: Ty, bits: int) -> Any:
    match t:
        case BoolTy():
            return bool(bits & 1)
        case RangeTy(lo, _):
            return bits + lo
        case EnumTy(_, members):
            return members[bits]
        case OptionTy(inner):
            return None if not bits & 1 else decode(inner, bits >> 1)
        case SetTy(elem):
            vals = value_list(elem)
            return frozenset(vals[i] for i in range(len(vals)) if bits >> i & 1)
        case SeqTy(elem, cap):
            lw, w = _bits(cap + 1), width(elem)
            n = bits & ((1 << lw) - 1)
            return tuple(decode(elem, (bits >> (lw + i * w)) & ((1 << w) - 1)) for i in range(n))
        case TupleTy(items) | RecordTy(_, items):
            out, shift = [], 0
            for it in items:
                w = width(it)
                out.append(decode(it, (bits >> shift) & ((1 << w) - 1)))
                shift += w
            return tuple(out)
        case MapTy(dom, cod):
            w = width(cod)
            return tuple(decode(cod, (bits >> (i * w)) & ((1 << w) - 1)) for i in range(size(dom)))
    raise ValueError(f"type {show(t)} has no fixed-width encoding")


# ---- display ------------------------------------------------------------------------------------


def display(t: Ty, v: Any) -> R.Value:
    """A runtime value as an engine-neutral display value (``verifier.results``)."""
    match t:
        case OptionTy(inner):
            return None if v is None else display(inner, v)
        case SetTy(elem):
            order = _order_key(elem)
            return R.VSet(tuple(display(elem, x) for x in sorted(v, key=order)))
        case SeqTy(elem, _):
            return R.VSeq(tuple(display(elem, x) for x in v))
        case TupleTy(items):
            return R.VTuple(tuple(display(i, x) for i, x in zip(items, v)))
        case RecordTy(names, types):
            return R.VRecord(tuple((n, display(ty, x)) for n, ty, x in zip(names, types, v)))
        case MapTy(dom, cod):
            keys = value_list(dom)
            return R.VMap(tuple((display(dom, k), display(cod, x)) for k, x in zip(keys, v)))
    if isinstance(v, (bool, int, str)) or v is None:
        return v
    raise AssertionError((t, v))


def _order_key(t: Ty) -> Any:
    if is_finite(t):
        return lambda x: key_index(t, x)
    return lambda x: (str(type(x)), x)
