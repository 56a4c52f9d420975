"""Stage 5 (kernel engine): creps, field bits and positions in canonical order.

``Reps`` converts between a value's crep (``verifier/engine/kernel/values.py``) and its
field bits in a layout, finds the position of a value among the values of a type (a
set's bit, a map's key index) and back, and converts packed values between layouts,
failing where a part does not fit the target (an assignment outside a variable's type).
"""

from __future__ import annotations

from typing import Any

from verifier.engine.kernel.emit import is_int, lit, mask
from verifier.engine.kernel.places import Places
from verifier.engine.kernel.values import NONE, Unsupported, is_composite, is_scalar, strip
from verifier.lang import model as M
from verifier.lang import typesys as T

UNROLL = 16  # map comprehensions and conversions up to this many entries are written out


def shift_of(items: tuple[T.Ty, ...], pos: int) -> int:
    return sum(T.width(x) for x in items[:pos])


def span_mask(lo: int, hi: int) -> int:
    if lo > hi:
        return 0
    return mask(hi - lo + 1) << lo


def same_values(a: T.Ty, b: T.Ty) -> bool:
    try:
        return T.value_list(a) == T.value_list(b)
    except (ValueError, T.TooManyValues):
        return False


class Reps(Places):

    def index_of(self, lay: T.Ty, code: str) -> str:
        """The position of a crep among the values of ``lay`` in canonical order
        (-1 when a number lies outside it); ``code`` is evaluated once."""
        match lay:
            case T.EnumTy():
                return code
            case T.BoolTy():
                return f"(1 if {code} else 0)"
            case T.RangeTy(lo, hi):
                if is_int(code):
                    v = int(code)
                    return str(v - lo) if lo <= v <= hi else "-1"
                c = self.let(code)
                return f"({c} - {lo} if {lo} <= {c} <= {hi} else -1)"
            case T.OptionTy(inner):
                c = self.let(code)
                inner_ix = self.index_of(inner, c)
                inner_ix = self.let(inner_ix)
                return f"(0 if {c} == {NONE} else ({inner_ix} + 1 if {inner_ix} >= 0 else -1))"
            case T.RecordTy(_, items) | T.TupleTy(items):
                c = self.let(code)
                terms = []
                radix = 1
                for pos in reversed(range(len(items))):
                    ity = items[pos]
                    w = T.width(ity)
                    field = self.let(self.decode(ity, f"(({c} >> {shift_of(items, pos)}) & {lit(mask(w))})"))
                    terms.append(f"{self.let(self.index_of(ity, field))} * {radix}")
                    radix *= T.size(ity)
                return "(" + " + ".join(terms) + ")" if terms else "0"
            case T.SetTy():
                return code
        raise Unsupported(f"positions of {T.show(lay)} values")

    def elem_index(self, lay: T.Ty, e: M.Expr) -> str:
        """The position of the value of ``e`` among the values of ``lay`` (-1 for a
        number outside it)."""
        if isinstance(lay, T.AnyTy):
            self.gen(e)
            return "-1"
        if is_composite(lay):
            return self.let(self.index_of(lay, self.let(self.value(e, lay))))
        return self.let(self.index_of(lay, self.gen(e)))

    def crep_of_index(self, lay: T.Ty, ix: str) -> str:
        """The crep of the value at position ``ix`` of ``lay`` (inverse of ``index_of``)."""
        match lay:
            case T.EnumTy():
                return ix
            case T.BoolTy():
                return f"({ix} != 0)"
            case T.RangeTy(lo, _):
                return f"({ix} + {lo})" if lo else ix
            case T.OptionTy(inner):
                i = self.let(ix)
                return f"({NONE} if {i} == 0 else {self.crep_of_index(inner, f'({i} - 1)')})"
            case T.RecordTy(_, items) | T.TupleTy(items):
                i = self.let(ix)
                radix = 1
                fields: list[str] = []
                for ity in reversed(items):
                    n = T.size(ity)
                    sub = f"(({i} // {radix}) % {n})"
                    fields.append(self.encode(ity, self.crep_of_index(ity, sub)))
                    radix *= n
                fields.reverse()
                shifted = []
                shift = 0
                for ity, f in zip(items, fields):
                    shifted.append(f"({f} << {shift})" if shift else f)
                    shift += T.width(ity)
                return "(" + " | ".join(shifted) + ")" if shifted else "0"
            case T.SetTy():
                return ix
        raise Unsupported(f"iterating over {T.show(lay)} values")

    def decode(self, ty: T.Ty, bits: str) -> str:
        """Field bits of type ``ty`` -> crep."""
        match ty:
            case T.BoolTy():
                return f"({bits} != 0)"
            case T.EnumTy():
                return bits
            case T.RangeTy(lo, _):
                return f"({bits} + {lo})" if lo else bits
            case T.OptionTy(inner) if is_scalar(inner) or isinstance(inner, T.AnyTy):
                b = self.let(bits)
                lo = inner.lo if isinstance(inner, T.RangeTy) else 0
                v = f"(({b} >> 1) + {lo})" if lo else f"({b} >> 1)"
                return f"({NONE} if ({b} & 1) == 0 else {v})"
            case T.OptionTy():
                # an optional composite: its encoding, or NONE
                b = self.let(bits)
                return f"({NONE} if ({b} & 1) == 0 else ({b} >> 1))"
        return bits

    def encode(self, ty: T.Ty, crep: str) -> str:
        """Crep (known to be a value of ``ty``) -> field bits."""
        match ty:
            case T.BoolTy():
                if crep in ("True", "False"):
                    return "1" if crep == "True" else "0"
                return f"(1 if {crep} else 0)"
            case T.EnumTy():
                return crep
            case T.RangeTy(lo, _):
                if is_int(crep):
                    return str(int(crep) - lo)
                return f"({crep} - {lo})" if lo else crep
            case T.OptionTy(inner) if is_scalar(inner) or isinstance(inner, T.AnyTy):
                lo = inner.lo if isinstance(inner, T.RangeTy) else 0
                if crep == str(NONE):
                    return "0"
                if is_int(crep):
                    return str(((int(crep) - lo) << 1) | 1)
                c = self.let(crep)
                return f"(0 if {c} == {NONE} else ((({c} - {lo}) << 1) | 1))"
            case T.OptionTy():
                c = self.let(crep)
                return f"(0 if {c} == {NONE} else (({c} << 1) | 1))"
        return crep

    def contains(self, lay: T.Ty, crep: str, static: T.Ty) -> str:
        """Code of "the crep (a value of layout ``static``) lies in ``lay``"."""
        match lay:
            case T.RangeTy(lo, hi):
                s = strip(static)
                if isinstance(s, T.RangeTy) and lo <= s.lo and s.hi <= hi:
                    return "True"
                c = self.let(crep)
                return f"({lo} <= {c} <= {hi})"
            case T.OptionTy(T.RangeTy(lo, hi)):
                s = strip(static)
                if isinstance(s, T.RangeTy) and lo <= s.lo and s.hi <= hi or isinstance(s, T.AnyTy):
                    return "True"
                c = self.let(crep)
                return f"({c} == {NONE} or {lo} <= {c} <= {hi})"
            case T.OptionTy(_):
                return "True"
        return "True"

    def const_crep(self, ty: T.Ty, v: Any) -> str:
        if v is None:
            return str(NONE)
        if isinstance(v, bool):
            return "True" if v else "False"
        if isinstance(v, int):
            return lit(v)
        ty = strip(ty)
        if isinstance(ty, T.EnumTy):
            return str(ty.members.index(v))
        raise Unsupported(f"a constant of type {T.show(ty)}")

    def convert(self, code: str, src: T.Ty, dst: T.Ty) -> str:
        """Bits of layout ``src`` -> bits of layout ``dst``; a part outside ``dst`` fails."""
        if src == dst or isinstance(src, T.AnyTy):
            return code
        if isinstance(dst, T.AnyTy):
            return code
        match src, dst:
            case T.SetTy(T.AnyTy()), T.SetTy():
                return code
            case T.SetTy(a), T.SetTy(b) if a == b:
                return code
            case T.SetTy(T.RangeTy(alo, ahi)), T.SetTy(T.RangeTy(blo, bhi)):
                c = self.let(code)
                keep = lit(span_mask(max(alo, blo) - alo, min(ahi, bhi) - alo))
                self.failing(f"({c} & ~{keep}) != 0")
                d = blo - alo
                if d > 0:
                    return f"(({c} >> {d}) & {lit(mask(bhi - blo + 1))})"
                return f"({c} << {-d})" if d else c
            case T.SetTy(a), T.SetTy(b) if same_values(a, b):
                return code
            case (T.RangeTy(), T.RangeTy()) | (T.OptionTy(), T.OptionTy()) | (T.BoolTy(), T.BoolTy()) | \
                    (T.EnumTy(), T.EnumTy()):
                # field bits of a scalar: decode, check and encode
                c = self.let(self.decode(src, code))
                if self.contains(dst, c, src) != "True":
                    self.failing(f"not {self.contains(dst, c, src)}")
                return self.encode(dst, c)
            case (T.RangeTy() | T.BoolTy() | T.EnumTy()), T.OptionTy():
                c = self.let(self.decode(src, code))
                if isinstance(src, T.BoolTy):
                    c = f"(1 if {c} else 0)"
                if self.contains(dst, c, src) != "True":
                    self.failing(f"not {self.contains(dst, c, src)}")
                return self.encode(dst, c)
            case T.MapTy(d1, c1), T.MapTy(d2, c2) if d1 == d2:
                n = T.size(d1)
                if n > UNROLL * 4:
                    raise Unsupported("converting a large map between layouts")
                c = self.let(code)
                w1, w2 = T.width(c1), T.width(c2)
                parts = []
                for i in range(n):
                    part = self.let(self.convert(f"(({c} >> {i * w1}) & {lit(mask(w1))})", c1, c2))
                    parts.append(f"({part} << {i * w2})" if i * w2 else part)
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case (T.RecordTy(_, xs) | T.TupleTy(xs)), (T.RecordTy(_, ys) | T.TupleTy(ys)) if len(xs) == len(ys):
                c = self.let(code)
                parts, s1, s2 = [], 0, 0
                for x, y in zip(xs, ys):
                    part = self.let(self.convert(f"(({c} >> {s1}) & {lit(mask(T.width(x)))})", x, y))
                    parts.append(f"({part} << {s2})" if s2 else part)
                    s1 += T.width(x)
                    s2 += T.width(y)
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case T.SeqTy(e1, cap1), T.SeqTy(e2, cap2):
                if cap1 > UNROLL * 2:
                    raise Unsupported("converting a long sequence between layouts")
                c = self.let(code)
                l1, l2 = T._bits(cap1 + 1), T._bits(cap2 + 1)
                length = self.let(f"({c} & {lit(mask(l1))})")
                if cap1 > cap2:
                    self.failing(f"{length} > {cap2}")
                w1, w2 = T.width(e1), T.width(e2)
                acc = self.tmp()
                self.emit(f"{acc} = {length}")
                for k in range(min(cap1, cap2)):
                    self.emit(f"if {length} > {k}:")
                    with self.indent():
                        part = self.let(self.convert(f"(({c} >> {l1 + k * w1}) & {lit(mask(w1))})", e1, e2))
                        self.emit(f"{acc} |= {part} << {l2 + k * w2}")
                return acc
        raise Unsupported(f"converting {T.show(src)} values to {T.show(dst)}")
