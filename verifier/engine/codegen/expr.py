"""Stage 5 (compiled stepper): Python source for the expressions of the checked IR.

``ExprGen`` turns an ``M.Expr`` into a Python expression over creps (see
``verifier/engine/codegen/reps.py``) that reads fields of the packed state with shifts and
masks. It holds what one generated function needs: the state layout, the namespace of
constants the code refers to (``_C<n>``), the substitution of bound slots by literals
(unrolled parameters and quantifiers) and the name of the state on the current path.
Only mangled names and literals rendered by ``repr`` reach the source.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verifier.engine.codegen import fold, runtime
from verifier.engine.codegen.reps import check_type, composite, fits
from verifier.engine.codegen.runtime import Unsupported
from verifier.engine.codegen.source import (
    add,
    lit,
    literal,
    mul,
    number,
    opt_bits,
    opt_bits_code,
    pack_fields,
)
from verifier.engine.stepper import Layout
from verifier.lang import model as M
from verifier.lang import typesys as T

UNROLL_LIMIT = 64  # parameter valuations / quantifier instances generated as straight-line code


@dataclass(frozen=True, slots=True)
class Field:
    """Where a value sits inside a packed value: ``(base >> offset) & mask``."""

    base: str     # code of the packed value ("t": the state on the current path)
    offset: str   # code of the bit offset (digits when known at generation time)
    ty: T.Ty


class ExprGen:
    """Expression code for one generated function (not shared between functions)."""

    def __init__(self, model: M.Model) -> None:
        self.model = model
        self.layout = Layout(model)
        if not self.layout.packable:
            raise Unsupported("a variable without a finite type")
        for v in model.variables:
            check_type(v.ty)
        self.ns: dict[str, Any] = runtime.namespace()
        self.consts: dict[Any, str] = {}
        self.subst: dict[int, str] = {}
        self.tmp = itertools.count()
        # Which name holds the state on the current path: "s" (the pre-state, untouched so
        # far) or "t" (a working copy). Reads of the pre-state at constant offsets are
        # shared across all actions of a state (``cse``): the hand-tuned loop's trick.
        self.cur = "t"
        self.cse: dict[str, str] | None = None

    # -- namespace constants
    def const(self, value: Any) -> str:
        key = (type(value).__name__, value)
        name = self.consts.get(key)
        if name is None:
            name = f"_C{len(self.consts)}"
            self.consts[key] = name
            self.ns[name] = value
        return name

    def tmpnames(self, n: int) -> list[str]:
        return [f"_t{next(self.tmp)}" for _ in range(n)]

    # -- creps
    def crep_const(self, ty: T.Ty, v: Any) -> str:
        match ty:
            case T.BoolTy():
                return "True" if v else "False"
            case T.RangeTy() | T.IntTy():
                return repr(int(v))
            case T.EnumTy(_, members):
                return repr(members.index(v))
            case T.OptionTy(inner):
                return "None" if v is None else self.crep_const(inner, v)
        if composite(ty):
            check_type(ty)
            return repr(T.encode(ty, v))
        raise Unsupported(f"constant of type {T.show(ty)}")

    def crep_value(self, ty: T.Ty, v: Any) -> Any:
        """The crep of a value of ``ty`` (a Python value, not code)."""
        match ty:
            case T.BoolTy():
                return bool(v)
            case T.RangeTy():
                return int(v)
            case T.EnumTy(_, members):
                return members.index(v)
            case T.OptionTy(inner):
                return None if v is None else self.crep_value(inner, v)
        return T.encode(ty, v)

    def dec(self, ty: T.Ty, bits: str) -> str:
        """Encoded field bits -> crep."""
        match ty:
            case T.BoolTy() | T.EnumTy():
                return bits
            case T.RangeTy(lo, _):
                return f"({bits} + {lo})" if lo else bits
            case T.OptionTy(inner) if isinstance(inner, (T.BoolTy, T.EnumTy, T.RangeTy)):
                lo = inner.lo if isinstance(inner, T.RangeTy) else 0
                b = self.tmpnames(1)[0]
                shifted = f"(({b} >> 1) + {lo})" if lo else f"({b} >> 1)"
                return f"(None if not (({b} := {bits}) & 1) else {shifted})"
        if composite(ty):
            return bits
        raise Unsupported(f"reading {T.show(ty)}")

    def enc(self, ty: T.Ty, v: str, static: T.Ty | None = None) -> str:
        """crep -> encoded field bits (the value is known to be in the domain); ``static``
        is the value's static type when known (a non-optional value needs no ``None`` test)."""
        match ty:
            case T.BoolTy():
                return f"(1 if {v} else 0)"
            case T.EnumTy():
                return v
            case T.RangeTy(lo, _):
                return f"({v} - {lo})" if lo else v
            case T.OptionTy(inner):
                lo = inner.lo if isinstance(inner, T.RangeTy) else 0
                if literal(v):
                    return repr(opt_bits(lit(v), lo))
                if isinstance(static, (T.BoolTy, T.RangeTy, T.EnumTy, T.IntTy)):
                    return opt_bits_code(v, lo)
                name = self.const(runtime.opt_encoder(inner))
                return f"{name}({v})"
        if composite(ty):
            return v
        raise Unsupported(f"storing {T.show(ty)}")

    def key_index(self, dom: T.Ty, k: M.Expr) -> str:
        code = self.expr(k)
        match dom:
            case T.EnumTy():
                return code
            case T.BoolTy():
                return f"(1 if {code} else 0)"
            case T.RangeTy(lo, hi):
                if isinstance(k.ty, T.RangeTy) and lo <= k.ty.lo and k.ty.hi <= hi:
                    return fold.binary("-", code, str(lo)) if lo else code
                n = number(code)
                if n is not None and lo <= n <= hi:
                    return str(n - lo)  # a constant key inside the domain
                return f"_ki_range({code}, {lo}, {hi - lo + 1})"
        raise Unsupported(f"map key of type {T.show(dom)}")

    def safe_key_index(self, dom: T.Ty, code: str) -> str:
        """Index of a value in ``dom`` for membership; -1 when outside (never an error)."""
        match dom:
            case T.EnumTy():
                return code
            case T.BoolTy():
                return f"(1 if {code} else 0)"
            case T.RangeTy(lo, hi):
                n = number(code)
                if n is not None:
                    return str(n - lo if lo <= n <= hi else -1)
                return f"({code} - {lo} if {lo} <= {code} <= {hi} else -1)"
        raise Unsupported(f"set of {T.show(dom)}")

    # -- fields inside a packed value
    def field(self, e: M.Expr) -> Field:
        match e:
            case M.EVar(i, _, ty):
                return Field("t", str(self.layout.offsets[i]), ty)
            case M.EApply(m, k):
                f = self.field(m)
                if not isinstance(f.ty, T.MapTy):
                    raise Unsupported("application of an optional map")
                w = T.width(f.ty.cod)
                ki = self.key_index(f.ty.dom, k)
                return Field(f.base, add(f.offset, mul(w, ki)), f.ty.cod)
            case M.EField(b, pos):
                f = self.field(b)
                if not isinstance(f.ty, (T.RecordTy, T.TupleTy)):
                    raise Unsupported("field of an optional record")
                items = f.ty.types if isinstance(f.ty, T.RecordTy) else f.ty.items
                return Field(f.base, add(f.offset, str(sum(T.width(x) for x in items[:pos]))), items[pos])
        if not composite(e.ty):
            raise Unsupported("address of a scalar")
        return Field(self.expr(e), "0", e.ty)

    def read(self, e: M.Expr) -> str:
        """The crep of a field of the state or of a packed value."""
        return self.dec(e.ty, self.read_bits(e))

    def read_bits(self, e: M.Expr) -> str:
        """The encoded bits of a field of the state or of a packed value."""
        f = self.field(e)
        base, off, ty = f.base, f.offset, f.ty
        mask = (1 << T.width(ty)) - 1
        if base == "t" and self.cur == "s":
            base = "s"
            if self.cse is not None and off.isdigit():
                name = f"r{off}_{mask}"
                self.cse.setdefault(name, f"({'s' if off == '0' else f'(s >> {off})'} & {mask})")
                return name
        shifted = base if off == "0" else f"({base} >> {off})"
        return f"({shifted} & {mask})"

    # -- expressions
    def expr(self, e: M.Expr, want: T.Ty | None = None) -> str:
        """Code of ``e``; ``want`` is the layout a composite value must be packed in."""
        match e:
            case M.EConst(v, ty):
                if want is not None and composite(want):
                    return self.crep_const(want, v)
                return self.crep_const(ty, v)
            case M.EVar() | M.EApply() | M.EField():
                if want is not None and composite(want) and e.ty != want:
                    raise Unsupported("composite values of different layouts")
                return self.read(e)
            case M.ELocal(slot, _, ty):
                if want is not None and composite(want) and ty != want:
                    raise Unsupported("composite values of different layouts")
                return self.subst.get(slot, f"L{slot}")
            case M.EUnary("not", a):
                return fold.not_(self.expr(a))
            case M.EUnary(_, a):
                self.numeric(a)
                return fold.neg(self.expr(a))
            case M.EBinary(op, a, b):
                return self.binary(op, a, b, want)
            case M.EIte(c, a, b, ty):
                w = want if want is not None else (ty if composite(ty) else None)
                return fold.ite(self.expr(c), lambda: self.expr(a, w), lambda: self.expr(b, w))
            case M.EQuant(kind, slots, doms, body):
                return self.quant(kind, slots, doms, body)
            case M.ELet(slot, v, body):
                if isinstance(v, (M.EConst, M.ELocal)):
                    saved = self.subst.get(slot)
                    self.subst[slot] = self.expr(v)
                    try:
                        return self.expr(body, want)
                    finally:
                        if saved is None:
                            self.subst.pop(slot, None)
                        else:
                            self.subst[slot] = saved
                vc = self.expr(v, v.ty if composite(v.ty) else None)
                return f"(L{slot} := {vc}, {self.expr(body, want)})[1]"
            case M.EBuiltin(name, args):
                return self.builtin(name, args)
            case M.ESetLit() | M.ESetComp() | M.EMapComp() | M.ETuple() | M.ETypeSet():
                return self.constructor(e, want)
        raise Unsupported(type(e).__name__)

    def constructor(self, e: M.Expr, want: T.Ty | None) -> str:
        """A set, map, record or tuple built in place, packed in layout ``want``."""
        match e:
            case M.ESetLit(items, ty):
                layout = want or ty
                if not isinstance(layout, T.SetTy) or not fits(ty, layout):
                    raise Unsupported("set literal outside its layout")
                if not items:
                    return "0"
                check_type(layout)
                parts = [f"(1 << {self.safe_key_index(layout.elem, self.expr(i))})" for i in items]
                return "(" + " | ".join(parts) + ")"
            case M.ESetComp(elem, slot, dom, cond, ty):
                layout = want or ty
                if not isinstance(layout, T.SetTy) or not fits(ty, layout):
                    raise Unsupported("set comprehension outside its layout")
                check_type(layout)
                small = self.small_domain(dom)
                if small is not None:
                    lay_elem: T.Ty = layout.elem
                    member: M.Expr = elem
                    filt_e: M.Expr | None = cond

                    def one() -> str:
                        bit = f"(1 << {self.safe_key_index(lay_elem, self.expr(member))})"
                        return bit if filt_e is None else f"({bit} if {self.expr(filt_e)} else 0)"
                    parts = self.per_value(slot, small, one)
                    return "(" + " | ".join(parts) + ")" if parts else "0"
                ki = self.safe_key_index(layout.elem, self.expr(elem))
                it = self.iterate(dom)
                filt = f" if {self.expr(cond)}" if cond is not None else ""
                return f"sum(set(1 << {ki} for L{slot} in {it}{filt}))"
            case M.EMapComp(slot, body, ty):
                layout = want or ty
                if not isinstance(layout, T.MapTy) or not fits(ty, layout):
                    raise Unsupported("map comprehension outside its layout")
                check_type(layout)
                cw = T.width(layout.cod)
                cod = layout.cod
                dom_set = M.ETypeSet(layout.dom, T.SetTy(layout.dom))
                small = self.small_domain(dom_set)
                if small is not None:
                    parts = self.per_value(slot, small, lambda: self.enc(
                        cod, self.expr(body, cod if composite(cod) else None), body.ty))
                    return pack_fields(parts, cw)
                val = self.enc(cod, self.expr(body, cod if composite(cod) else None), body.ty)
                it = self.iterate(dom_set)
                return (f"sum({val} << ({cw} * _i) for _i, L{slot} in enumerate({it}))")
            case M.ETuple(items, ty):
                layout = want or ty
                if not fits(ty, layout) or not isinstance(layout, (T.RecordTy, T.TupleTy)):
                    raise Unsupported("record literal outside its layout")
                check_type(layout)
                types = layout.types if isinstance(layout, T.RecordTy) else layout.items
                parts, shift = [], 0
                for it_, ity in zip(items, types):
                    code = self.enc(ity, self.expr(it_, ity if composite(ity) else None), it_.ty)
                    parts.append(f"({code} << {shift})" if shift else code)
                    shift += T.width(ity)
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case M.ETypeSet(elem):
                if want is not None and want != e.ty:
                    raise Unsupported("type set in another layout")
                check_type(e.ty)
                return repr((1 << T.size(elem)) - 1)
        raise Unsupported(type(e).__name__)

    def numeric(self, e: M.Expr) -> None:
        if not T.is_numeric(e.ty):
            raise Unsupported(f"arithmetic on {T.show(e.ty)}")

    def binary(self, op: str, a: M.Expr, b: M.Expr, want: T.Ty | None) -> str:
        if op == "and":
            return fold.and_(self.expr(a), self.expr(b))
        if op == "or":
            return fold.or_(self.expr(a), self.expr(b))
        if op == "=>":
            return fold.or_(fold.not_(self.expr(a)), self.expr(b))
        if op == "<=>":
            left, right = self.expr(a), self.expr(b)
            if literal(left) and literal(right):
                return fold.render(bool(lit(left)) == bool(lit(right)))
            return f"(bool({left}) == bool({right}))"
        if op in ("==", "!="):
            by_bits = self.option_compare(op, a, b)
            if by_bits is not None:
                return by_bits
            if composite(a.ty) or composite(b.ty):
                left, right = self.same_layout(a, b)
            else:
                if isinstance(a.ty, T.OptionTy) or isinstance(b.ty, T.OptionTy):
                    for x in (a, b):
                        inner = x.ty.inner if isinstance(x.ty, T.OptionTy) else x.ty
                        if not isinstance(inner, (T.BoolTy, T.RangeTy, T.EnumTy, T.AnyTy, T.IntTy)):
                            raise Unsupported("comparison of options")
                left, right = self.expr(a), self.expr(b)
            return fold.binary(op, left, right)
        if op in ("<", "<=", ">", ">=", "+", "-", "*"):
            self.numeric(a)
            self.numeric(b)
            return fold.binary(op, self.expr(a), self.expr(b))
        if op in ("//", "%"):
            self.numeric(a)
            self.numeric(b)
            divisor = self.expr(b)
            if literal(divisor) and divisor not in ("True", "False", "None") and int(divisor) != 0:
                return fold.binary(op, self.expr(a), divisor)  # a non-zero constant: cannot fail
            fn = "_div" if op == "//" else "_mod"
            return f"{fn}({self.expr(a)}, {divisor})"
        if op in ("in", "notin"):
            code = self.member(a, b)
            return code if op == "in" else f"(not {code})"
        if op in ("union", "inter", "diff", "subset", "psubset"):
            left, right = self.same_layout(a, b, want)
            if op == "union":
                return f"({left} | {right})"
            if op == "inter":
                return f"({left} & {right})"
            if op == "diff":
                return f"({left} & ~{right})"
            if op == "subset":
                return f"({left} & ~{right} == 0)"
            xa, ya = self.tmpnames(2)
            return f"(({xa} := {left}) != ({ya} := {right}) and {xa} & ~{ya} == 0)"
        if op == "range":
            raise Unsupported("a range used as a value")
        raise Unsupported(op)

    def option_compare(self, op: str, a: M.Expr, b: M.Expr) -> str | None:
        """``a == b`` where one side is an optional field of the state, compared by its
        encoded bits (no decoding): the other side is ``none``, a constant, a non-optional
        scalar (encoded in place; the encoding is injective on ints, and a field only holds
        the encodings of its type's values) or a field of the same type. None otherwise."""
        reads = (M.EVar, M.EApply, M.EField)

        def optional_field(e: M.Expr) -> bool:
            return isinstance(e, reads) and isinstance(e.ty, T.OptionTy) and \
                isinstance(e.ty.inner, (T.BoolTy, T.RangeTy, T.EnumTy))
        if optional_field(a):
            x, y = a, b
        elif optional_field(b):
            x, y = b, a
        else:
            return None
        assert isinstance(x.ty, T.OptionTy)
        inner = x.ty.inner
        lo = inner.lo if isinstance(inner, T.RangeTy) else 0
        plain = isinstance(y.ty, (T.BoolTy, T.RangeTy, T.EnumTy, T.IntTy))
        if not (isinstance(y, M.EConst) or plain or isinstance(y, reads) and y.ty == x.ty):
            return None
        codes = []
        for e in (a, b):  # in source order: either side may fail (a key out of its domain)
            if e is x or isinstance(y, reads):
                codes.append(self.read_bits(e))
            else:
                v = self.expr(y)
                if literal(v):
                    codes.append(repr(opt_bits(lit(v), lo)))
                elif plain:
                    codes.append(opt_bits_code(v, lo))
                else:
                    return None
        return f"({codes[0]} {op} {codes[1]})"

    def same_layout(self, a: M.Expr, b: M.Expr, want: T.Ty | None = None) -> tuple[str, str]:
        """Both operands in one layout: a constructor takes the other side's layout."""
        ctors = (M.ESetLit, M.ESetComp, M.EMapComp, M.ETuple, M.EConst, M.ETypeSet)
        if want is not None:
            return self.expr(a, want), self.expr(b, want)
        if not isinstance(a, ctors):
            return self.expr(a), self.expr(b, a.ty)
        if not isinstance(b, ctors):
            return self.expr(a, b.ty), self.expr(b)
        if a.ty == b.ty:
            return self.expr(a), self.expr(b)
        joined = T.join(a.ty, b.ty)
        return self.expr(a, joined), self.expr(b, joined)

    def member(self, a: M.Expr, b: M.Expr) -> str:
        x = self.expr(a)
        match b:
            case M.ETypeSet(elem):
                if isinstance(elem, T.RangeTy):
                    return fold.all_([fold.binary("<=", str(elem.lo), x), fold.binary("<=", x, str(elem.hi))]) \
                        if literal(x) else f"_inrange({x}, {elem.lo}, {elem.hi})"
                if isinstance(elem, (T.EnumTy, T.BoolTy)):
                    return "True" if not fold.can_fail(x) else f"({x}, True)[1]"
                raise Unsupported("membership in a type")
            case M.EBinary("range", lo, hi):
                lo_c, hi_c = self.expr(lo), self.expr(hi)
                if literal(x) and literal(lo_c) and literal(hi_c):
                    return fold.all_([fold.binary("<=", lo_c, x), fold.binary("<=", x, hi_c)])
                return f"_inrange({x}, {lo_c}, {hi_c})"
        if not isinstance(b.ty, T.SetTy):
            raise Unsupported("membership")
        elem = b.ty.elem
        if isinstance(b, (M.ESetLit, M.ESetComp)) and isinstance(elem, T.AnyTy):
            return f"({x}, False)[1]"
        check_type(b.ty)
        y = self.expr(b)
        v = self.tmpnames(1)[0]
        if not isinstance(elem, T.RangeTy):
            # enum and bool indices are never negative: a plain bit test
            idx = self.safe_key_index(elem, x)
            ny, ni = number(y), number(idx)
            if ny is not None and ni is not None and ni >= 0:
                return fold.render((ny >> ni) & 1)
            return f"(({y} >> {idx}) & 1)"
        return f"(({v} := {x}), _inset({y}, {v} - {elem.lo} if {elem.lo} <= {v} <= {elem.hi} else -1))[1]"

    def iterate(self, dom: M.Expr) -> str:
        """Code of an iterable over the creps of a domain, in canonical order."""
        match dom:
            case M.ETypeSet(elem):
                match elem:
                    case T.EnumTy(_, members):
                        return f"range({len(members)})"
                    case T.BoolTy():
                        return "(False, True)"
                    case T.RangeTy(lo, hi):
                        return f"range({lo}, {hi + 1})"
                check_type(elem)
                return self.const(tuple(self.crep_value(elem, v) for v in T.value_list(elem)))
            case M.EBinary("range", lo, hi):
                return f"range({self.expr(lo)}, {self.expr(hi)} + 1)"
        if not isinstance(dom.ty, T.SetTy):
            raise Unsupported("iteration")
        elem = dom.ty.elem
        check_type(dom.ty)
        code = self.expr(dom)
        match elem:
            case T.EnumTy() | T.BoolTy():
                return f"_bits({code})"
            case T.RangeTy(lo, _):
                return f"[_i + {lo} for _i in _bits({code})]"
        raise Unsupported("iteration")

    def quant(self, kind: str, slots: tuple[int, ...], doms: tuple[M.Expr, ...], body: M.Expr) -> str:
        unrolled = self.unroll_quant(kind, slots, doms, body)
        if unrolled is not None:
            return unrolled
        fors = " ".join(f"for L{s} in {self.iterate(d)}" for s, d in zip(slots, doms))
        b = self.expr(body)
        if kind == "forall":
            return f"all({b} {fors})"
        if kind == "exists":
            return f"any({b} {fors})"
        if kind == "count":
            return f"sum(1 {fors} if {b})"
        return f"sum({b} {fors})"

    def small_domain(self, dom: M.Expr) -> list[Any] | None:
        """The creps of a whole-type domain small enough to unroll, else None."""
        if not isinstance(dom, M.ETypeSet) or not isinstance(dom.elem, (T.EnumTy, T.BoolTy, T.RangeTy)):
            return None
        if T.size(dom.elem) > UNROLL_LIMIT:
            return None
        return [self.crep_value(dom.elem, v) for v in T.value_list(dom.elem)]

    def per_value(self, slot: int, values: list[Any], fn: Callable[[], str]) -> list[str]:
        """``fn()``'s code once per value, with ``slot`` bound to that constant."""
        saved = self.subst.get(slot)
        out = []
        try:
            for v in values:
                self.subst[slot] = repr(v)
                out.append(fn())
        finally:
            if saved is None:
                self.subst.pop(slot, None)
            else:
                self.subst[slot] = saved
        return out

    def unroll_quant(self, kind: str, slots: tuple[int, ...], doms: tuple[M.Expr, ...],
                     body: M.Expr) -> str | None:
        """Small quantifiers over whole types are unrolled: constant offsets, no generator."""
        values: list[list[Any]] = []
        total = 1
        for d in doms:
            if not isinstance(d, M.ETypeSet) or not isinstance(d.elem, (T.EnumTy, T.BoolTy, T.RangeTy)):
                return None
            vs = [self.crep_value(d.elem, v) for v in T.value_list(d.elem)]
            total *= len(vs)
            values.append(vs)
        if total > UNROLL_LIMIT or total == 0:
            return None
        parts = []
        saved = {s: self.subst.get(s) for s in slots}
        try:
            for combo in itertools.product(*values):
                for s, v in zip(slots, combo):
                    self.subst[s] = repr(v)
                parts.append(self.expr(body))
        finally:
            for s, old in saved.items():
                if old is None:
                    self.subst.pop(s, None)
                else:
                    self.subst[s] = old
        if kind == "forall":
            return fold.all_(parts)
        if kind == "exists":
            return fold.any_(parts)
        if kind == "count":
            return fold.sum_([fold.ite(p, lambda: "1", lambda: "0") for p in parts])
        return fold.sum_(parts)

    def builtin(self, name: str, args: tuple[M.Expr, ...]) -> str:
        if name == "len" and isinstance(args[0].ty, T.SetTy):
            check_type(args[0].ty)
            code = self.expr(args[0])
            n = number(code)
            return str(n.bit_count()) if n is not None else f"({code}).bit_count()"
        if name == "abs":
            code = self.expr(args[0])
            n = number(code)
            return fold.render(abs(n)) if n is not None else f"abs({code})"
        if name == "ord":  # an enum member's crep is its position
            return self.expr(args[0])
        if name in ("min", "max") and len(args) == 2:
            self.numeric(args[0])
            self.numeric(args[1])
            x, y = self.expr(args[0]), self.expr(args[1])
            nx, ny = number(x), number(y)
            if nx is not None and ny is not None:
                return fold.render((min if name == "min" else max)(nx, ny))
            return f"{name}({x}, {y})"
        raise Unsupported(f"builtin {name}")

    def condition(self, cond: M.Expr) -> str:
        """A guarded boolean (a run-time error reads as false, as in ``semantics.fires``)."""
        code = self.expr(cond)
        if any(m in code for m in runtime.FAILING):
            return f"_guard(lambda: {code})"
        return code
