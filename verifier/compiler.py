"""Stage 5 (fast path): compile a checked model into Python code over packed states.

The generated module computes, for a state packed as an int (layout of
``verifier.typesys``), the successors in exactly the reference semantics' order, the
monitors (invariants, reachables) and the constraints, reading and writing fields with
shifts and masks. It is built from the checked IR only: every name in it is mangled
(``L<slot>`` for bound variables, ``_C<n>`` for constants kept in the namespace), and
every literal is an int, a bool or None rendered by ``repr``; nothing the user wrote is
ever passed to ``exec``. Anything the compiler does not support raises ``Unsupported``
and the engine falls back to the reference semantics. Agreement with the reference
semantics is tested on many generated models (tests/test_compiler.py).

Values in compiled code ("creps"): bool as bool or 0/1, numbers as ints, an enum member
as its index, ``none`` as None, and sets, maps, records and tuples as their packed
encoding (a set is a bit mask over its element type's values).
"""

from __future__ import annotations

import itertools
from typing import Any

from verifier import model as M
from verifier import semantics as sem
from verifier import typesys as T
from verifier.engine.stepper import Layout

UNROLL_LIMIT = 64  # parameter valuations / quantifier instances generated as straight-line code
MAX_INDENT = 4 * 80  # Python allows 100 indentation levels; leave room for the wrappers
_FAILING = ("_Err", "_ki_range", "_div(", "_mod(", "_rc(", "_X")


class Unsupported(Exception):
    """The compiler cannot translate this construct; use the reference semantics."""


class _Err(Exception):
    """A run-time error inside compiled code (the message comes from the reference replay)."""


def _ki_range(v: int, lo: int, n: int) -> int:
    i = v - lo
    if not 0 <= i < n:
        raise _Err()
    return i


def _rc(v: int, lo: int, hi: int) -> int:
    if not lo <= v <= hi:
        raise _Err()
    return v


def _div(a: int, b: int) -> int:
    if b == 0:
        raise _Err()
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise _Err()
    return a % b


def _bits(x: int) -> list[int]:
    out = []
    i = 0
    while x:
        if x & 1:
            out.append(i)
        x >>= 1
        i += 1
    return out


def _inset(mask: int, i: int) -> bool:
    return i >= 0 and bool(mask >> i & 1)


def _inrange(x: int, lo: int, hi: int) -> bool:
    return lo <= x <= hi


def _guard(fn: Any) -> Any:
    try:
        return fn()
    except _Err:
        return False



_RUNTIME = {"_guard": _guard, "_Err": _Err, "_ki_range": _ki_range, "_rc": _rc, "_div": _div, "_mod": _mod,
            "_bits": _bits, "_inset": _inset, "_inrange": _inrange}


def _scalar(ty: T.Ty) -> bool:
    return isinstance(ty, (T.BoolTy, T.RangeTy, T.EnumTy, T.IntTy))


def _composite(ty: T.Ty) -> bool:
    return isinstance(ty, (T.SetTy, T.MapTy, T.RecordTy, T.TupleTy))


def _check_type(ty: T.Ty) -> None:
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
            _check_type(cod)
            return
        case T.RecordTy(_, items) | T.TupleTy(items):
            for i in items:
                _check_type(i)
            return
    raise Unsupported(f"type {T.show(ty)}")


def _fits(inner: T.Ty, outer: T.Ty) -> bool:
    """Every value of static type ``inner`` is a value of ``outer`` (so packing it into
    ``outer``'s layout cannot fail)."""
    if isinstance(inner, T.AnyTy) or inner == outer:
        return True
    match inner, outer:
        case T.RangeTy(a, b), T.RangeTy(c, d):
            return c <= a and b <= d
        case T.OptionTy(x), T.OptionTy(y):
            return _fits(x, y)
        case _, T.OptionTy(y):
            return _fits(inner, y)
        case T.SetTy(x), T.SetTy(y):
            return _fits(x, y)
        case T.MapTy(d1, c1), T.MapTy(d2, c2):
            return d1 == d2 and _fits(c1, c2)
        case (T.RecordTy(_, xs), T.RecordTy(_, ys)) | (T.TupleTy(xs), T.TupleTy(ys)):
            return len(xs) == len(ys) and all(_fits(x, y) for x, y in zip(xs, ys))
    return False


def _nondet(stmts: tuple[M.Stmt, ...]) -> bool:
    for s in stmts:
        match s:
            case M.SEither() | M.SPick():
                return True
            case M.SIf(_, a, b):
                if _nondet(a) or _nondet(b):
                    return True
    return False


class _Gen:
    def __init__(self, model: M.Model) -> None:
        self.model = model
        self.layout = Layout(model)
        if not self.layout.packable:
            raise Unsupported("a variable without a finite type")
        for v in model.variables:
            _check_type(v.ty)
        self.ns: dict[str, Any] = dict(_RUNTIME)
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
        if _composite(ty):
            _check_type(ty)
            return repr(T.encode(ty, v))
        raise Unsupported(f"constant of type {T.show(ty)}")

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
        if _composite(ty):
            return bits
        raise Unsupported(f"reading {T.show(ty)}")

    def enc(self, ty: T.Ty, v: str) -> str:
        """crep -> encoded field bits (the value is known to be in the domain)."""
        match ty:
            case T.BoolTy():
                return f"(1 if {v} else 0)"
            case T.EnumTy():
                return v
            case T.RangeTy(lo, _):
                return f"({v} - {lo})" if lo else v
            case T.OptionTy(inner):
                name = self.const(_opt_encoder(inner))
                return f"{name}({v})"
        if _composite(ty):
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
                    return f"({code} - {lo})" if lo else code
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
                return f"({code} - {lo} if {lo} <= {code} <= {hi} else -1)"
        raise Unsupported(f"set of {T.show(dom)}")

    # -- addresses: (base code, offset code, type) of a field inside a packed value
    def addr(self, e: M.Expr) -> tuple[str, str, T.Ty]:
        match e:
            case M.EVar(i, _, ty):
                return "t", str(self.layout.offsets[i]), ty
            case M.EApply(m, k):
                base, off, mty = self.addr(m)
                if not isinstance(mty, T.MapTy):
                    raise Unsupported("application of an optional map")
                w = T.width(mty.cod)
                ki = self.key_index(mty.dom, k)
                return base, _add(off, _mul(w, ki)), mty.cod
            case M.EField(b, pos):
                base, off, bty = self.addr(b)
                if not isinstance(bty, (T.RecordTy, T.TupleTy)):
                    raise Unsupported("field of an optional record")
                items = bty.types if isinstance(bty, T.RecordTy) else bty.items
                return base, _add(off, str(sum(T.width(x) for x in items[:pos]))), items[pos]
        if not _composite(e.ty):
            raise Unsupported("address of a scalar")
        return self.expr(e), "0", e.ty

    def read(self, e: M.Expr) -> str:
        base, off, ty = self.addr(e)
        mask = (1 << T.width(ty)) - 1
        if base == "t" and self.cur == "s":
            base = "s"
            if self.cse is not None and off.isdigit():
                name = f"r{off}_{mask}"
                self.cse.setdefault(name, f"({'s' if off == '0' else f'(s >> {off})'} & {mask})")
                return self.dec(ty, name)
        shifted = base if off == "0" else f"({base} >> {off})"
        return self.dec(ty, f"({shifted} & {mask})")

    def materialize(self, lines: list[str], ind: str) -> None:
        """Make ``t`` the working copy before the path's first write."""
        if self.cur == "s":
            lines.append(f"{ind}t = s")
            self.cur = "t"

    # -- expressions
    def expr(self, e: M.Expr, want: T.Ty | None = None) -> str:
        match e:
            case M.EConst(v, ty):
                if want is not None and _composite(want):
                    return self.crep_const(want, v)
                return self.crep_const(ty, v)
            case M.EVar() | M.EApply() | M.EField():
                if want is not None and _composite(want) and e.ty != want:
                    raise Unsupported("composite values of different layouts")
                return self.read(e)
            case M.ELocal(slot, _, ty):
                if want is not None and _composite(want) and ty != want:
                    raise Unsupported("composite values of different layouts")
                return self.subst.get(slot, f"L{slot}")
            case M.EUnary("not", a):
                return f"(not {self.expr(a)})"
            case M.EUnary(_, a):
                self.numeric(a)
                return f"(-{self.expr(a)})"
            case M.EBinary(op, a, b):
                return self.binary(op, a, b, want)
            case M.EIte(c, a, b, ty):
                w = want if want is not None else (ty if _composite(ty) else None)
                return f"({self.expr(a, w)} if {self.expr(c)} else {self.expr(b, w)})"
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
                vc = self.expr(v, v.ty if _composite(v.ty) else None)
                return f"(L{slot} := {vc}, {self.expr(body, want)})[1]"
            case M.EBuiltin(name, args):
                return self.builtin(name, args)
            case M.ESetLit(items, ty):
                layout = want or ty
                if not isinstance(layout, T.SetTy) or not _fits(ty, layout):
                    raise Unsupported("set literal outside its layout")
                if not items:
                    return "0"
                _check_type(layout)
                parts = [f"(1 << {self.safe_key_index(layout.elem, self.expr(i))})" for i in items]
                return "(" + " | ".join(parts) + ")"
            case M.ESetComp(elem, slot, dom, cond, ty):
                layout = want or ty
                if not isinstance(layout, T.SetTy) or not _fits(ty, layout):
                    raise Unsupported("set comprehension outside its layout")
                _check_type(layout)
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
                if not isinstance(layout, T.MapTy) or not _fits(ty, layout):
                    raise Unsupported("map comprehension outside its layout")
                _check_type(layout)
                cw = T.width(layout.cod)
                cod = layout.cod
                dom_set = M.ETypeSet(layout.dom, T.SetTy(layout.dom))
                small = self.small_domain(dom_set)
                if small is not None:
                    parts = self.per_value(slot, small, lambda: self.enc(
                        cod, self.expr(body, cod if _composite(cod) else None)))
                    return _pack_fields(parts, cw)
                val = self.enc(cod, self.expr(body, cod if _composite(cod) else None))
                it = self.iterate(dom_set)
                return (f"sum({val} << ({cw} * _i) for _i, L{slot} in enumerate({it}))")
            case M.ETuple(items, ty):
                layout = want or ty
                if not _fits(ty, layout) or not isinstance(layout, (T.RecordTy, T.TupleTy)):
                    raise Unsupported("record literal outside its layout")
                _check_type(layout)
                types = layout.types if isinstance(layout, T.RecordTy) else layout.items
                parts, shift = [], 0
                for it_, ity in zip(items, types):
                    code = self.enc(ity, self.expr(it_, ity if _composite(ity) else None))
                    parts.append(f"({code} << {shift})" if shift else code)
                    shift += T.width(ity)
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case M.ETypeSet(elem):
                if want is not None and want != e.ty:
                    raise Unsupported("type set in another layout")
                _check_type(e.ty)
                return repr((1 << T.size(elem)) - 1)
        raise Unsupported(type(e).__name__)

    def numeric(self, e: M.Expr) -> None:
        if not T.is_numeric(e.ty):
            raise Unsupported(f"arithmetic on {T.show(e.ty)}")

    def binary(self, op: str, a: M.Expr, b: M.Expr, want: T.Ty | None) -> str:
        if op in ("and", "or"):
            return f"({self.expr(a)} {op} {self.expr(b)})"
        if op == "=>":
            return f"(not {self.expr(a)} or {self.expr(b)})"
        if op == "<=>":
            return f"(bool({self.expr(a)}) == bool({self.expr(b)}))"
        if op in ("==", "!="):
            if _composite(a.ty) or _composite(b.ty):
                left, right = self.same_layout(a, b)
            else:
                if isinstance(a.ty, T.OptionTy) or isinstance(b.ty, T.OptionTy):
                    for x in (a, b):
                        inner = x.ty.inner if isinstance(x.ty, T.OptionTy) else x.ty
                        if not isinstance(inner, (T.BoolTy, T.RangeTy, T.EnumTy, T.AnyTy, T.IntTy)):
                            raise Unsupported("comparison of options")
                left, right = self.expr(a), self.expr(b)
            return f"({left} {op} {right})"
        if op in ("<", "<=", ">", ">="):
            self.numeric(a)
            self.numeric(b)
            return f"({self.expr(a)} {op} {self.expr(b)})"
        if op in ("+", "-", "*"):
            self.numeric(a)
            self.numeric(b)
            return f"({self.expr(a)} {op} {self.expr(b)})"
        if op in ("//", "%"):
            self.numeric(a)
            self.numeric(b)
            divisor = self.expr(b)
            if _literal(divisor) and divisor not in ("True", "False", "None") and int(divisor) != 0:
                return f"({self.expr(a)} {op} {divisor})"  # a non-zero constant: cannot fail
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

    def tmpnames(self, n: int) -> list[str]:
        return [f"_t{next(self.tmp)}" for _ in range(n)]

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
                    return f"_inrange({x}, {elem.lo}, {elem.hi})"
                if isinstance(elem, (T.EnumTy, T.BoolTy)):
                    return f"({x}, True)[1]"
                raise Unsupported("membership in a type")
            case M.EBinary("range", lo, hi):
                return f"_inrange({x}, {self.expr(lo)}, {self.expr(hi)})"
        if not isinstance(b.ty, T.SetTy):
            raise Unsupported("membership")
        elem = b.ty.elem
        if isinstance(b, (M.ESetLit, M.ESetComp)) and isinstance(elem, T.AnyTy):
            return f"({x}, False)[1]"
        _check_type(b.ty)
        y = self.expr(b)
        v = self.tmpnames(1)[0]
        if not isinstance(elem, T.RangeTy):
            # enum and bool indices are never negative: a plain bit test
            return f"(({y} >> {self.safe_key_index(elem, x)}) & 1)"
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
                _check_type(elem)
                return self.const(tuple(self._crep_value(elem, v) for v in T.value_list(elem)))
            case M.EBinary("range", lo, hi):
                return f"range({self.expr(lo)}, {self.expr(hi)} + 1)"
        if not isinstance(dom.ty, T.SetTy):
            raise Unsupported("iteration")
        elem = dom.ty.elem
        _check_type(dom.ty)
        code = self.expr(dom)
        match elem:
            case T.EnumTy() | T.BoolTy():
                return f"_bits({code})"
            case T.RangeTy(lo, _):
                return f"[_i + {lo} for _i in _bits({code})]"
        raise Unsupported("iteration")

    def _crep_value(self, ty: T.Ty, v: Any) -> Any:
        match ty:
            case T.BoolTy():
                return bool(v)
            case T.RangeTy():
                return int(v)
            case T.EnumTy(_, members):
                return members.index(v)
            case T.OptionTy(inner):
                return None if v is None else self._crep_value(inner, v)
        return T.encode(ty, v)

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
        return [self._crep_value(dom.elem, v) for v in T.value_list(dom.elem)]

    def per_value(self, slot: int, values: list[Any], fn: Any) -> list[str]:
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
            vs = [self._crep_value(d.elem, v) for v in T.value_list(d.elem)]
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
            return "(" + " and ".join(parts) + ")"
        if kind == "exists":
            return "(" + " or ".join(parts) + ")"
        if kind == "count":
            return "(" + " + ".join(f"(1 if {p} else 0)" for p in parts) + ")"
        return "(" + " + ".join(parts) + ")"

    def builtin(self, name: str, args: tuple[M.Expr, ...]) -> str:
        if name == "len" and isinstance(args[0].ty, T.SetTy):
            _check_type(args[0].ty)
            return f"{self.expr(args[0])}.bit_count()"
        if name == "abs":
            return f"abs({self.expr(args[0])})"
        if name in ("min", "max") and len(args) == 2:
            self.numeric(args[0])
            self.numeric(args[1])
            return f"{name}({self.expr(args[0])}, {self.expr(args[1])})"
        raise Unsupported(f"builtin {name}")

    # -- statements
    def assign(self, st: M.SAssign, ind: str) -> list[str]:
        ty: T.Ty = self.model.variables[st.var].ty
        leaf_want = None
        path_ty = ty
        for acc in st.path:
            match acc, path_ty:
                case M.AKey(), T.MapTy(_, cod):
                    path_ty = cod
                case M.AField(pos), T.RecordTy(_, items) | T.TupleTy(items):
                    path_ty = items[pos]
                case _:
                    raise Unsupported("assignment path")
        leaf = path_ty
        if _composite(leaf):
            leaf_want = leaf
        value = self.expr_assign(st.value, leaf_want)
        if _literal(value):
            v, lines = value, []
            if isinstance(leaf, T.RangeTy) and not leaf.lo <= int(value) <= leaf.hi:
                lines.append(f"{ind}raise _Err()")
        else:
            v = self.tmpnames(1)[0]
            lines = [f"{ind}{v} = {value}"]
            lines += self.domain_check(leaf, st.value.ty, v, ind)
        off = str(self.layout.offsets[st.var])
        cur: T.Ty = ty
        for acc in st.path:
            if isinstance(acc, M.AKey):
                assert isinstance(cur, T.MapTy)
                off = _add(off, _mul(T.width(cur.cod), self.key_index(cur.dom, acc.key)))
                cur = cur.cod
            else:
                assert isinstance(acc, M.AField) and isinstance(cur, (T.RecordTy, T.TupleTy))
                items = cur.types if isinstance(cur, T.RecordTy) else cur.items
                off = _add(off, str(sum(T.width(x) for x in items[:acc.pos])))
                cur = items[acc.pos]
        mask = (1 << T.width(leaf)) - 1
        if off.isdigit():
            keep = ~(mask << int(off))
            val = self.enc(leaf, v)
            lines.append(f"{ind}t = (t & {keep}) | ({val} << {off})" if off != "0" else
                         f"{ind}t = (t & {keep}) | {val}")
            return lines
        o = self.tmpnames(1)[0]
        lines.append(f"{ind}{o} = {off}")
        lines.append(f"{ind}t = (t & ~({mask} << {o})) | ({self.enc(leaf, v)} << {o})")
        return lines

    def expr_assign(self, e: M.Expr, want: T.Ty | None) -> str:
        """An assignment's right-hand side: constructors may be packed with range checks
        (an out-of-domain value is a run-time error at the assignment either way)."""
        if want is None:
            return self.expr(e)
        if isinstance(e, M.EMapComp) and isinstance(want, T.MapTy):
            w = T.width(want.cod)
            cod = want.cod

            def value() -> str:
                body = self.expr_assign(e.body, cod if _composite(cod) else None)
                return self.enc(cod, self.checked(cod, e.body.ty, body))

            dom_set = M.ETypeSet(want.dom, T.SetTy(want.dom))
            small = self.small_domain(dom_set)
            if small is not None:
                return _pack_fields(self.per_value(e.slot, small, value), w)
            it = self.iterate(dom_set)
            return f"sum({value()} << ({w} * _i) for _i, L{e.slot} in enumerate({it}))"
        if isinstance(e, M.ETuple) and isinstance(want, (T.RecordTy, T.TupleTy)):
            types = want.types if isinstance(want, T.RecordTy) else want.items
            parts, shift = [], 0
            for it_, ity in zip(e.items, types):
                code = self.checked(ity, it_.ty, self.expr_assign(it_, ity if _composite(ity) else None))
                code = self.enc(ity, code)
                parts.append(f"({code} << {shift})" if shift else code)
                shift += T.width(ity)
            return "(" + " | ".join(parts) + ")" if parts else "0"
        return self.expr(e, want)

    def checked(self, ty: T.Ty, static: T.Ty, code: str) -> str:
        if isinstance(ty, T.RangeTy) and not _fits(static, ty):
            if _literal(code):
                return code if ty.lo <= int(code) <= ty.hi else "_rc(" + code + f", {ty.lo}, {ty.hi})"
            v = self.tmpnames(1)[0]
            return f"({v} if {ty.lo} <= ({v} := {code}) <= {ty.hi} else _rc({v}, {ty.lo}, {ty.hi}))"
        if isinstance(ty, T.OptionTy) and isinstance(ty.inner, T.RangeTy) and not _fits(static, ty):
            fn = self.const(_opt_checker(ty.inner))
            return f"{fn}({code})"
        return code

    def domain_check(self, leaf: T.Ty, static: T.Ty, v: str, ind: str) -> list[str]:
        """The run-time domain check of an assigned scalar (composites are packed with
        their checks by ``expr_assign``)."""
        if _composite(leaf):
            return []
        if isinstance(leaf, T.RangeTy) and not _fits(static, leaf):
            return [f"{ind}if not {leaf.lo} <= {v} <= {leaf.hi}: raise _Err()"]
        code = self.checked(leaf, static, v)
        return [] if code == v else [f"{ind}{code}"]

    def block(self, stmts: tuple[M.Stmt, ...], ind: str, fail: str | None,
              tail: list[str] | None) -> list[str]:
        """Code for ``stmts``. ``tail`` (the transition emit) ends every complete path, or
        is None for a deterministic sub-block that falls through. A require on the path
        nests the rest under ``if``; a require inside a deterministic ``if`` jumps with
        ``fail`` (``break``/``continue`` of the enclosing wrapper or loop)."""
        if len(ind) > MAX_INDENT:
            raise Unsupported("statements nested too deeply for generated code")
        lines: list[str] = []
        for k, st in enumerate(stmts):
            rest = stmts[k + 1:]
            match st:
                case M.SAssign():
                    if self.cur == "s":
                        # the first write reads the pre-state: `t = (s & keep) | new`
                        code = self.assign(st, ind)
                        last = code[-1]
                        assert last.startswith(f"{ind}t = (t & ")
                        code[-1] = last.replace("t = (t & ", "t = (s & ", 1)
                        lines += code
                        self.cur = "t"
                    else:
                        lines += self.assign(st, ind)
                case M.SRequire(cond):
                    if isinstance(cond, M.EConst) and cond.value is True:
                        continue
                    if tail is None:
                        if fail is None:
                            raise Unsupported("require without a jump target")
                        lines.append(f"{ind}if not {self.expr(cond)}: {fail}")
                        continue
                    lines.append(f"{ind}if {self.expr(cond)}:")
                    lines += self.block(rest, ind + "    ", fail, tail) or [ind + "    pass"]
                    return lines
                case M.SIf(cond, then, other):
                    if tail is not None and (_nondet(then) or _nondet(other) or fail is None
                                             and (_requires(then) or _requires(other))):
                        cur = self.cur
                        lines.append(f"{ind}if {self.expr(cond)}:")
                        lines += self.block(then + rest, ind + "    ", fail, tail) or [ind + "    pass"]
                        self.cur = cur
                        lines.append(f"{ind}else:")
                        lines += self.block(other + rest, ind + "    ", fail, tail) or [ind + "    pass"]
                        return lines
                    if _nondet(then) or _nondet(other):
                        raise Unsupported("nested nondeterminism")
                    cond_code = self.expr(cond)
                    if _assigns(then) or _assigns(other):
                        self.materialize(lines, ind)
                    lines.append(f"{ind}if {cond_code}:")
                    lines += self.block(then, ind + "    ", fail, None) or [ind + "    pass"]
                    if other:
                        lines.append(f"{ind}else:")
                        lines += self.block(other, ind + "    ", fail, None) or [ind + "    pass"]
                case M.SEither(branches):
                    if tail is None:
                        raise Unsupported("nested nondeterminism")
                    cur = self.cur
                    saved = "s"
                    if cur == "t":
                        saved = self.tmpnames(1)[0]
                        lines.append(f"{ind}{saved} = t")
                    for br in branches:
                        self.cur = cur
                        if fail is not None and _requires_in_ifs(br + rest):
                            lines.append(f"{ind}while True:")
                            if cur == "t":
                                lines.append(f"{ind}    t = {saved}")
                            lines += self.block(br + rest, ind + "    ", "break", tail)
                            lines.append(f"{ind}    break")
                        else:
                            if cur == "t":
                                lines.append(f"{ind}t = {saved}")
                            lines += self.block(br + rest, ind, None, tail)
                    return lines
                case M.SPick(slot, dom, body):
                    if tail is None:
                        raise Unsupported("nested nondeterminism")
                    cur = self.cur
                    vals = self.tmpnames(1)[0]
                    saved = "s"
                    if cur == "t":
                        saved = self.tmpnames(1)[0]
                        lines.append(f"{ind}{saved} = t")
                    lines.append(f"{ind}{vals} = {self.iterate(dom)}")
                    lines.append(f"{ind}for L{slot} in {vals}:")
                    if cur == "t":
                        lines.append(f"{ind}    t = {saved}")
                    lines += self.block(body + rest, ind + "    ", "continue", tail) or [ind + "    pass"]
                    self.cur = cur
                    return lines
        if tail is not None:
            if self.cur == "s" and tail[0] == "app(t)":
                lines += [ind + x.replace("app(t)", "app(s)") for x in tail]
            else:
                self.materialize(lines, ind)
                lines += [ind + x for x in tail]
        return lines

    def action(self, a: M.Action, ind: str) -> list[str]:
        for p in a.params:
            _check_type(p.ty)
        counters = [c for c in self.model.counters if a.index in c.actions]
        lines = [f"{ind}# action {a.index}"]
        for c in counters:
            off, w = self.layout.offsets[c.var], self.layout.widths[c.var]
            lines.append(f"{ind}if (s >> {off}) & {(1 << w) - 1} < {c.cap}:")
            ind += "    "
        x = f"x{a.index}"
        tail = [f"t += {1 << self.layout.offsets[c.var]}" for c in counters] + ["app(t)", f"{x} += 1"]
        valuations = [tuple(self._crep_value(p.ty, v) for p, v in zip(a.params, vals))
                      for vals in sem.param_valuations(a)]
        wrap = _requires_in_ifs(a.body)
        if len(valuations) <= UNROLL_LIMIT:
            for vals in valuations:
                for p, v in zip(a.params, vals):
                    self.subst[p.slot] = repr(v)
                lines += self.instance(a, ind, "while True:" if wrap else None, tail)
            for p in a.params:
                self.subst.pop(p.slot, None)
        else:
            names = ", ".join(f"L{p.slot}" for p in a.params)
            header = f"for {names}{',' if len(a.params) == 1 else ''} in {self.const(tuple(valuations))}:"
            lines += self.instance(a, ind, header, tail)
        lines.append(f"{ind}if {x} != p{a.index}:")
        lines.append(f"{ind}    e{a.index} += 1")
        lines.append(f"{ind}    p{a.index} = {x}")
        return lines

    def instance(self, a: M.Action, ind: str, header: str | None, tail: list[str]) -> list[str]:
        """One action instance (or the loop over them): an error ends the instance with an
        error transition, after the transitions it already emitted."""
        inner = ind + "    " if header else ind
        fail = None if header is None else ("break" if header.startswith("while") else "continue")
        self.cur = "s"
        body = self.block(a.body, inner + "    ", fail, tail) or [inner + "    pass"]
        self.cur = "t"
        if header is not None and header.startswith("while"):
            body.append(inner + "    break")
        may_fail = any(m in ln for ln in body for m in _FAILING)
        err = [f"errs.append((len(out), {a.index}, ''))", "app(-1)", f"x{a.index} += 1"]
        if header is None:
            code = [x[4:] for x in body]
            if not may_fail:
                return code
            return [f"{ind}try:"] + ["    " + c for c in code] + [f"{ind}except _Err:"] + \
                [f"{ind}    {e}" for e in err]
        if not may_fail:
            return [f"{ind}{header}"] + [x[4:] for x in body]
        if header.startswith("for"):
            return ([f"{ind}{header}", f"{inner}try:"] + body +
                    [f"{inner}except _Err:"] + [f"{inner}    {e}" for e in err])
        return ([f"{ind}try:", f"{inner}{header}"] + body +
                [f"{ind}except _Err:"] + [f"{inner}{e}" for e in err])

    def condition(self, cond: M.Expr) -> str:
        """A guarded boolean (a run-time error reads as false, as in ``semantics.fires``)."""
        code = self.expr(cond)
        if any(m in code for m in _FAILING):
            return f"_guard(lambda: {code})"
        return code

def _pack_fields(parts: list[str], width: int) -> str:
    """``parts[i] << (i * width)``, or-ed together (fields are disjoint)."""
    shifted = [p if i == 0 else f"({p} << {i * width})" for i, p in enumerate(parts)]
    return "(" + " | ".join(shifted) + ")" if shifted else "0"


def _assigns(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a block writes the state anywhere."""
    for s in stmts:
        match s:
            case M.SAssign():
                return True
            case M.SIf(_, a, b):
                if _assigns(a) or _assigns(b):
                    return True
            case M.SEither(branches):
                if any(_assigns(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if _assigns(body):
                    return True
    return False


def _requires(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a block contains a require anywhere."""
    for s in stmts:
        match s:
            case M.SRequire(c) if not (isinstance(c, M.EConst) and c.value is True):
                return True
            case M.SIf(_, a, b):
                if _requires(a) or _requires(b):
                    return True
            case M.SEither(branches):
                if any(_requires(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if _requires(body):
                    return True
    return False


def _requires_in_ifs(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a require sits inside a deterministic ``if`` (it then needs a jump target)."""
    for s in stmts:
        match s:
            case M.SIf(_, a, b):
                if not (_nondet(a) or _nondet(b)) and (_requires(a) or _requires(b)):
                    return True
                if _requires_in_ifs(a) or _requires_in_ifs(b):
                    return True
            case M.SEither(branches):
                if any(_requires_in_ifs(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if _requires_in_ifs(body):
                    return True
    return False


def _literal(code: str) -> bool:
    return code in ("True", "False", "None") or code.lstrip("-").isdigit()


def _ident(name: str) -> str:
    """A spec name for a comment in generated code (names are identifiers by the grammar)."""
    return name if name.isidentifier() else "?"


def _add(a: str, b: str) -> str:
    if b == "0":
        return a
    if a == "0":
        return b
    if a.isdigit() and b.isdigit():
        return str(int(a) + int(b))
    return f"{a} + {b}"


def _mul(w: int, code: str) -> str:
    if w == 0:
        return "0"
    if code.isdigit():
        return str(w * int(code))
    return code if w == 1 else f"{w} * {code}"


def _opt_decoder(inner: T.Ty) -> Any:
    lo = inner.lo if isinstance(inner, T.RangeTy) else 0
    return lambda bits: None if not bits & 1 else (bits >> 1) + lo


def _opt_encoder(inner: T.Ty) -> Any:
    lo = inner.lo if isinstance(inner, T.RangeTy) else 0

    def enc(v: Any) -> int:
        return 0 if v is None else ((int(v) - lo) << 1) | 1
    return enc


def _opt_checker(inner: T.RangeTy) -> Any:
    def chk(v: Any) -> Any:
        if v is not None and not inner.lo <= v <= inner.hi:
            raise _Err()
        return v
    return chk


def generate(model: M.Model) -> tuple[str, dict[str, Any]]:
    """The generated source of ``expand_level`` and its namespace (for tests and ``--dump``)."""
    g = _Gen(model)
    acts = model.actions
    lines = ["def expand_level(frontier, out, ends, errs, skipped, en, tk):",
             "    app = out.append", "    mark = ends.append"]
    for a in acts:
        lines.append(f"    x{a.index} = p{a.index} = e{a.index} = 0")
    g.cse = {}
    body: list[str] = []
    cons = model.constraints
    if cons:
        lines.append("    for i, s in enumerate(frontier):")
        g.cur = "s"
        conj = " and ".join(f"({g.condition(c.cond)})" for c in cons)
        g.cur = "t"
        body.append(f"        if not ({conj}):")
        body.append("            skipped.append(i)")
        body.append("            mark(len(out))")
        body.append("            continue")
    else:
        lines.append("    for s in frontier:")
    for a in acts:
        body += g.action(a, "        ")
    lines += [f"        {name} = {code}" for name, code in g.cse.items()]
    lines += body
    lines.append("        mark(len(out))")
    for a in acts:
        lines.append(f"    en[{a.index}] += e{a.index}")
        lines.append(f"    tk[{a.index}] += x{a.index}")
    lines.append("")
    return "\n".join(lines) + "\n", g.ns


class CompiledStepper:
    """A ``Stepper`` running generated code; see ``verifier/engine/stepper.py``."""

    packed = True

    def __init__(self, model: M.Model, monitors: tuple[M.Property, ...]) -> None:
        source, ns = generate(model)
        self.source = source
        self._ns = ns
        self._expand = _compile(source, ns, model.name)["expand_level"]
        self.model = model
        self.monitors = monitors
        self.layout = Layout(model)
        self.has_constraints = bool(model.constraints)
        self.enabled = [0] * len(model.actions)
        self.taken = [0] * len(model.actions)
        self._scans: dict[tuple[int, ...], Any] = {}
        self._mons: dict[int, Any] = {}

    def initial(self) -> list[Any]:
        return [self.layout.pack(s) for s in sem.initial_states(self.model)]

    def expand_level(self, states: list[Any], out: list[Any], ends: list[int],
                     errs: list[tuple[int, int, str]], skipped: list[int]) -> None:
        self._expand(states, out, ends, errs, skipped, self.enabled, self.taken)

    def _monitor_code(self, gen: _Gen, i: int) -> str:
        p = self.monitors[i]
        code = gen.condition(p.cond)
        return f"({code})" if p.kind == "reachable" else f"(not ({code}))"

    def scan(self, states: list[Any], monitors: list[int]) -> list[tuple[int, list[int]]]:
        key = tuple(monitors)
        fn = self._scans.get(key)
        if fn is None:
            gen = _Gen(self.model)
            body = " or ".join(self._monitor_code(gen, i) for i in monitors) or "False"
            src = f"def scan(frontier):\n    return [i for i, t in enumerate(frontier) if {body}]\n"
            fn = self._scans[key] = _compile(src, gen.ns, self.model.name)["scan"]
            for i in monitors:
                if i not in self._mons:
                    g2 = _Gen(self.model)
                    code = self._monitor_code(g2, i)
                    self._mons[i] = _compile(f"def mon(t):\n    return {code}\n", g2.ns,
                                             self.model.name)["mon"]
        hits = fn(states)
        return [(k, [i for i in monitors if self._mons[i](states[k])]) for k in hits]

    def decode(self, s: Any) -> sem.State:
        return self.layout.unpack(s)


def _compile(source: str, ns: dict[str, Any], name: str) -> dict[str, Any]:
    try:
        code = compile(source, f"<compiled {_ident(name)}>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        raise Unsupported(f"generated code does not compile: {e}") from None
    exec(code, ns)  # generated from the checked IR only; see the module docstring
    return ns


def compile_stepper(model: M.Model, monitors: tuple[M.Property, ...]) -> CompiledStepper:
    return CompiledStepper(model, monitors)
