"""Stage 5 (kernel engine): numba-syntax source for the expressions of the checked IR.

``ExprGen`` writes each expression in A-normal form (``emit.py``): code that may fail (a
key outside a map's domain, a division by zero, ``none`` used as a value...) becomes
statements that test the condition and leave the generated function through
``self.fail``, and what is left is a pure expression over creps. Evaluation order and
short-circuiting are the reference semantics' (``and``, ``or``, ``=>``, ``if``,
quantifiers stopping at the first deciding value), so an error is raised exactly where
the reference semantics raises one. Places, representations and composite values are
the layers below (``places.py``, ``reps.py``, ``composite.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.engine.kernel.composite import Composites
from verifier.engine.kernel.emit import PROBE, lit, mask
from verifier.engine.kernel.layout import Leaf
from verifier.engine.kernel.values import (
    NONE,
    UNSET,
    Unsupported,
    free_slots,
    is_composite,
    is_option,
    strip,
    type_interval,
)
from verifier.lang import model as M
from verifier.lang import typesys as T


class ExprGen(Composites):
    """Expression code for the functions of one kernel."""

    def gen(self, e: M.Expr) -> str:
        """Code of the crep of ``e`` (a scalar or an option of one); composites in their
        own layout."""
        ty = e.ty
        if is_composite(strip(ty)) and not is_option(ty):
            return self.value(e, self.bounds.lay(e))
        return self.scalar(e)

    def number(self, e: M.Expr) -> str:
        """A number, failing on ``none``."""
        code = self.gen(e)
        if is_option(e.ty):
            code = self.let(code)
            self.failing(f"{code} == {NONE}")
        self.bounds.of(e)
        return code

    def scalar(self, e: M.Expr) -> str:
        match e:
            case M.EConst(v, ty):
                return self.const_crep(ty, v)
            case M.EVar() | M.EApply() | M.EField() | M.ESeqIndex():
                loc = self.locate(e)
                if loc is None:
                    raise Unsupported("application of a computed value")
                if not isinstance(loc.block, Leaf):
                    raise Unsupported("a wide value used as a scalar")
                return self.decode(loc.block.ty, self.bits_at(loc))
            case M.ELocal(slot):
                return f"L{slot}"
            case M.EUnary("not", a):
                return f"(not {self.cond(a)})"
            case M.EUnary(_, a):
                return f"(-{self.number(a)})"
            case M.EBinary(op, a, b):
                return self.binary(op, a, b, e)
            case M.EIte(c, a, b):
                return self.ite(c, lambda: self.scalar(a), lambda: self.scalar(b), e)
            case M.EQuant(kind, slots, doms, body):
                if self.memo is not None and not free_slots(e):
                    return self.memoized(e)
                return self.quant(kind, slots, doms, body)
            case M.ELet(slot, v, body):
                self.bind_let(slot, v)
                return self.scalar(body)
            case M.EBuiltin(name, args):
                return self.builtin(name, args, e)
            case M.EEnabled():
                return self.enabled(e)
        raise Unsupported(f"{type(e).__name__} as a scalar")

    def memoized(self, e: M.EQuant) -> str:
        """A quantifier over the state alone, computed once per state: where the code
        reads only the state being expanded (``memo`` is set), its value is kept in a
        name that starts as ``UNSET`` and is filled on first use. Only code that cannot
        fail is kept (evaluating it early or once changes nothing then)."""
        assert self.memo is not None
        name = self.memo.get(e)
        if name is not None:
            return name
        saved = self.fail
        self.fail = PROBE
        try:
            with self.capture() as lines:
                code = self.quant(e.kind, e.slots, e.domains, e.body)
        finally:
            self.fail = saved
        if any(PROBE in ln for ln in lines):
            return self.quant(e.kind, e.slots, e.domains, e.body)
        name = f"_q{next(self.names)}"
        self.memo[e] = name
        self.emit(f"if {name} == {UNSET}:")
        self.out += ["    " + ln for ln in lines]
        self.emit(f"    {name} = {code}")
        return name

    def bind_let(self, slot: int, v: M.Expr) -> None:
        self.bounds.bind_value(slot, v)
        if is_composite(strip(v.ty)) and not is_option(v.ty):
            lay = self.bounds.lay(v)
            self.bounds.lays[slot] = lay
            self.emit(f"L{slot} = {self.value(v, lay)}")
        else:
            self.emit(f"L{slot} = {self.gen(v)}")

    def cond(self, e: M.Expr) -> str:
        return self.scalar(e)

    def ite(self, c: M.Expr, a: Callable[[], str], b: Callable[[], str], e: M.Expr) -> str:
        cc = self.cond(c)
        with self.capture() as la:
            ca = a()
        with self.capture() as lb:
            cb = b()
        if not la and not lb:
            return f"({ca} if {cc} else {cb})"
        v = self.tmp()
        self.emit(f"if {cc}:")
        with self.indent():
            self.out += ["    " + x for x in la]
            self.emit(f"{v} = {ca}")
        self.emit("else:")
        with self.indent():
            self.out += ["    " + x for x in lb]
            self.emit(f"{v} = {cb}")
        return v

    def short(self, op: str, a: M.Expr, b: M.Expr) -> str:
        ca = self.cond(a)
        with self.capture() as lb:
            cb = self.cond(b)
        if op == "=>":
            ca = f"(not {ca})"
            op = "or"
        if not lb:
            return f"({ca} {op} {cb})"
        v = self.tmp()
        self.emit(f"{v} = {ca}")
        self.emit(f"if {'not ' if op == 'or' else ''}{v}:")
        with self.indent():
            self.out += ["    " + x for x in lb]
            self.emit(f"{v} = {cb}")
        return v

    def binary(self, op: str, a: M.Expr, b: M.Expr, e: M.Expr) -> str:
        if op in ("and", "or", "=>"):
            return self.short(op, a, b)
        if op == "<=>":
            ca = self.let(self.cond(a))
            return f"({ca} == {self.cond(b)})"
        if op in ("==", "!="):
            return self.equality(op, a, b)
        if op in ("<", "<=", ">", ">="):
            ca = self.let(self.number(a))
            return f"({ca} {op} {self.number(b)})"
        if op in ("+", "-", "*"):
            self.bounds.of(e)
            ca = self.let(self.number(a))
            return f"({ca} {op} {self.number(b)})"
        if op in ("//", "%"):
            self.bounds.of(e)
            ca = self.let(self.number(a))
            cb = self.let(self.number(b))
            lo, hi = self.bounds.of(b)
            if lo <= 0 <= hi:
                self.failing(f"{cb} == 0")
            return f"({ca} {op} {cb})"
        if op in ("in", "notin"):
            code = self.member(a, b)
            return code if op == "in" else f"(not {code})"
        if op in ("subset", "psubset"):
            lay = self.bounds.join(self.bounds.lay(a), self.bounds.lay(b))
            ca = self.let(self.value(a, lay))
            cb = self.let(self.value(b, lay))
            if op == "subset":
                return f"(({ca} & ~{cb}) == 0)"
            return f"({ca} != {cb} and ({ca} & ~{cb}) == 0)"
        raise Unsupported(f"operator {op} as a scalar")

    def equality(self, op: str, a: M.Expr, b: M.Expr) -> str:
        sa, sb = strip(a.ty), strip(b.ty)
        if is_composite(sa) or is_composite(sb):
            if is_option(a.ty) or is_option(b.ty):
                inner = self.bounds.join(strip(self.bounds.elem_lay(a)), strip(self.bounds.elem_lay(b)))
                ca = self.let(self.optional(a, inner))
                return f"({ca} {op} {self.optional(b, inner)})"
            wide = self.wide_compare(op, a, b)
            if wide is not None:
                return wide
            lay = self.bounds.join(self.bounds.lay(a), self.bounds.lay(b))
            ca = self.let(self.value(a, lay))
            return f"({ca} {op} {self.value(b, lay)})"
        ca = self.gen(a)
        bool_a = isinstance(sa, T.BoolTy) and not is_option(a.ty)
        bool_b = isinstance(sb, T.BoolTy) and not is_option(b.ty)
        if bool_a != bool_b and (is_option(a.ty) or is_option(b.ty)):
            # an optional bool is 0/1/NONE: compare the plain bool as a number
            if bool_a:
                ca = f"(1 if {ca} else 0)"
            ca = self.let(ca)
            cb = self.gen(b)
            if bool_b:
                cb = f"(1 if {cb} else 0)"
            return f"({ca} {op} {cb})"
        ca = self.let(ca)
        return f"({ca} {op} {self.gen(b)})"

    def wide_compare(self, op: str, a: M.Expr, b: M.Expr) -> str | None:
        la, lb = self.locate(a), self.locate(b)
        if la is None or lb is None or isinstance(la.block, Leaf) and isinstance(lb.block, Leaf):
            if (la is not None and not isinstance(la.block, Leaf)) or \
                    (lb is not None and not isinstance(lb.block, Leaf)):
                raise Unsupported("comparison of a wide value with a computed one")
            return None
        if la.block != lb.block:
            raise Unsupported("comparison of wide values of different layouts")
        parts = [f"({x} == {y})" for x, y in zip(self.leaves(la), self.leaves(lb))]
        same = "(" + " and ".join(parts) + ")" if parts else "True"
        return same if op == "==" else f"(not {same})"

    def member(self, x: M.Expr, s: M.Expr) -> str:
        if isinstance(s, M.EBinary) and s.op == "range":
            cx = self.let(self.gen(x))
            lo = self.let(self.number(s.left))
            hi = self.number(s.right)
            guard = f"{cx} != {NONE} and " if is_option(x.ty) else ""
            return f"({guard}{lo} <= {cx} <= {hi})"
        if isinstance(s, M.ETypeSet):
            cx = self.let(self.gen(x))
            guard = f"{cx} != {NONE}" if is_option(x.ty) else "True"
            iv = type_interval(s.elem)
            if isinstance(s.elem, T.RangeTy) and iv is not None:
                return f"({guard} and {iv[0]} <= {cx} <= {iv[1]})"
            if isinstance(s.elem, (T.EnumTy, T.BoolTy)):
                return f"({guard})"
        lay = self.bounds.lay(s)
        assert isinstance(lay, T.SetTy)
        if isinstance(lay.elem, T.AnyTy):
            self.gen(x)
            return "False"
        elem = lay.elem
        if is_composite(elem) and self.bounds.join(elem, self.bounds.elem_lay(x)) != elem:
            raise Unsupported("membership of a value of another layout")
        if is_option(x.ty) and not is_option(elem):
            cx = self.let(self.gen(x))
            ix = self.let(f"(-1 if {cx} == {NONE} else {self.index_of(elem, cx)})")
        else:
            ix = self.elem_index(elem, x)
        cs = self.let(self.value(s, lay))
        return f"({ix} >= 0 and (({cs} >> {ix}) & 1) != 0)"

    def quant(self, kind: str, slots: tuple[int, ...], doms: tuple[M.Expr, ...], body: M.Expr) -> str:
        acc = self.tmp()
        start = {"forall": "True", "exists": "False"}.get(kind, "0")
        self.emit(f"{acc} = {start}")
        self._quant_level(kind, acc, list(zip(slots, doms)), body)
        return acc

    def _quant_level(self, kind: str, acc: str, binders: list[tuple[int, M.Expr]], body: M.Expr) -> None:
        slot, dom = binders[0]
        with self.loop(slot, dom):
            if len(binders) > 1:
                self._quant_level(kind, acc, binders[1:], body)
                if kind in ("forall", "exists"):
                    self.emit(f"if {'not ' if kind == 'forall' else ''}{acc}:")
                    with self.indent():
                        self.emit("break")
                return
            if kind == "count":
                c = self.cond(body)
                self.emit(f"if {c}:")
                with self.indent():
                    self.emit(f"{acc} += 1")
            elif kind == "sum":
                self.emit(f"{acc} += {self.number(body)}")
            else:
                c = self.cond(body)
                if kind == "forall":
                    self.emit(f"if not {c}:")
                    with self.indent():
                        self.emit(f"{acc} = False")
                        self.emit("break")
                else:
                    self.emit(f"if {c}:")
                    with self.indent():
                        self.emit(f"{acc} = True")
                        self.emit("break")

    def builtin(self, name: str, args: tuple[M.Expr, ...], e: M.Expr) -> str:
        if name == "len":
            lay = self.bounds.lay(args[0])
            code = self.value(args[0], lay)
            if isinstance(lay, T.SetTy):
                return f"_rt.popcount({code})"
            assert isinstance(lay, T.SeqTy)
            return f"({code} & {lit(mask(T._bits(lay.capacity + 1)))})"
        if name == "abs":
            return f"abs({self.number(args[0])})"
        if name in ("min", "max") and len(args) == 2:
            ca = self.let(self.number(args[0]))
            return f"{name}({ca}, {self.number(args[1])})"
        if name in ("min", "max"):
            lay = self.bounds.lay(args[0])
            assert isinstance(lay, T.SetTy)
            m = self.let(self.value(args[0], lay))
            self.failing(f"{m} == 0")
            if not isinstance(lay.elem, T.RangeTy):
                raise Unsupported(f"{name} of a set of {T.show(lay.elem)}")
            fn = "_rt.lowbit" if name == "min" else "_rt.highbit"
            return f"({fn}({m}) + {lay.elem.lo})"
        if name == "head":
            lay = self.bounds.lay(e)
            src = self.bounds.lay(args[0])
            assert isinstance(src, T.SeqTy)
            cq = self.let(self.value(args[0], src))
            lw = T._bits(src.capacity + 1)
            self.failing(f"({cq} & {lit(mask(lw))}) == 0")
            w = T.width(src.elem)
            return self.decode(src.elem, f"(({cq} >> {lw}) & {lit(mask(w))})")
        raise Unsupported(f"builtin {name}")
