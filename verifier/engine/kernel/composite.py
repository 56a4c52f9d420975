"""Stage 5 (kernel engine): composite values built in a layout, and binder loops.

``Composites.value`` writes the packed value of a set, map, record, tuple or sequence
expression in a requested layout (set literals and comprehensions, map comprehensions,
set algebra, ranges used as sets, ``head``/``tail``/``append``), failing where a part
lies outside the layout; ``loop`` iterates a binder's domain in canonical order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from verifier.engine.kernel.emit import is_int, lit, mask
from verifier.engine.kernel.layout import Leaf
from verifier.engine.kernel.reps import UNROLL, Reps
from verifier.engine.kernel.values import NONE, Unsupported, is_composite, is_option, strip
from verifier.lang import model as M
from verifier.lang import typesys as T


class Composites(Reps):

    def value(self, e: M.Expr, lay: T.Ty) -> str:
        """Code of the packed value of ``e`` in layout ``lay``; a part that does not fit
        ``lay`` fails (only assignments ask for a layout that may not hold the value)."""
        if isinstance(lay, T.AnyTy):
            lay = self.bounds.lay(e)
        match e:
            case M.EConst(v):
                if not T.contains(lay, v):
                    self.failing("True")
                    return "0"
                return lit(T.encode(lay, v))
            case M.EVar() | M.EApply() | M.EField() | M.ESeqIndex() | M.ELocal():
                if isinstance(e, M.ELocal):
                    code = f"L{e.slot}"
                    src = self.bounds.lays.get(e.slot, self.bounds.lay(e))
                else:
                    loc = self.locate(e)
                    if loc is None:
                        raise Unsupported("a computed value")
                    if not isinstance(loc.block, Leaf):
                        raise Unsupported("a wide value used as a value")
                    code = self.bits_at(loc)
                    src = loc.block.ty
                return self.convert(code, src, lay)
            case M.ESetLit(items):
                assert isinstance(lay, T.SetTy)
                parts = []
                for it in items:
                    ix = self.elem_index(lay.elem, it)
                    if not is_int(ix) or int(ix) < 0:
                        self.failing(f"{ix} < 0")
                    parts.append(f"(1 << {ix})")
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case M.ESetComp(elem, slot, dom, cond):
                assert isinstance(lay, T.SetTy)
                acc = self.tmp()
                self.emit(f"{acc} = 0")
                with self.loop(slot, dom):
                    if cond is not None:
                        c = self.cond(cond)
                        self.emit(f"if {c}:")
                        self.ind += "    "
                    ix = self.elem_index(lay.elem, elem)
                    self.failing(f"{ix} < 0")
                    self.emit(f"{acc} |= 1 << {ix}")
                    if cond is not None:
                        self.ind = self.ind[:-4]
                return acc
            case M.EMapComp(slot, body):
                assert isinstance(lay, T.MapTy)
                return self.map_comp(slot, body, lay)
            case M.ETuple(items):
                types = lay.types if isinstance(lay, T.RecordTy) else lay.items  # type: ignore[union-attr]
                parts, shift = [], 0
                for it, ity in zip(items, types):
                    f = self.part(it, ity)
                    parts.append(f"({f} << {shift})" if shift else f)
                    shift += T.width(ity)
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case M.ESeqLit(items):
                assert isinstance(lay, T.SeqTy)
                if len(items) > lay.capacity:
                    self.failing("True")
                    return "0"
                lw = T._bits(lay.capacity + 1)
                w = T.width(lay.elem)
                parts = [str(len(items))] if items else []
                for k, it in enumerate(items):
                    parts.append(f"({self.part(it, lay.elem)} << {lw + k * w})")
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case M.ETypeSet(elem):
                assert isinstance(lay, T.SetTy)
                return self.convert(lit(mask(T.size(elem))), e.ty, lay)
            case M.EIte(c, a, b):
                return self.ite(c, lambda: self.value(a, lay), lambda: self.value(b, lay), e)
            case M.ELet(slot, v, body):
                self.bind_let(slot, v)
                return self.value(body, lay)
            case M.EBinary("union" | "inter" | "diff" as op, a, b):
                inner = self.bounds.join(self.bounds.lay(a), self.bounds.lay(b))
                ca = self.let(self.value(a, inner))
                cb = self.value(b, inner)
                code = {"union": f"({ca} | {cb})", "inter": f"({ca} & {cb})",
                        "diff": f"({ca} & ~{cb})"}[op]
                return self.convert(code, inner, lay)
            case M.EBinary("range", a, b):
                assert isinstance(lay, T.SetTy)
                lo = self.let(self.number(a))
                hi = self.let(self.number(b))
                el = lay.elem
                if isinstance(el, T.AnyTy):
                    self.failing(f"{lo} <= {hi}")
                    return "0"
                assert isinstance(el, T.RangeTy)
                self.failing(f"{lo} <= {hi} and ({lo} < {el.lo} or {hi} > {el.hi})")
                return f"_rt.span({lo} - {el.lo}, {hi} - {el.lo})"
            case M.EBuiltin("tail", (q,)):
                src = self.bounds.lay(q)
                assert isinstance(src, T.SeqTy)
                cq = self.let(self.value(q, src))
                lw = T._bits(src.capacity + 1)
                n = self.let(f"({cq} & {lit(mask(lw))})")
                self.failing(f"{n} == 0")
                w = T.width(src.elem)
                code = f"((({cq} >> {lw + w}) << {lw}) | ({n} - 1))"
                return self.convert(code, src, lay)
            case M.EBuiltin("append", (q, x)):
                src = self.bounds.lay(q)
                assert isinstance(src, T.SeqTy) and isinstance(lay, T.SeqTy)
                cq = self.let(self.value(q, T.SeqTy(src.elem, src.capacity)))
                grown = T.SeqTy(self.bounds.join(src.elem, lay.elem), src.capacity + 1)
                moved = self.let(self.convert(cq, src, grown))
                lw = T._bits(grown.capacity + 1)
                n = self.let(f"({moved} & {lit(mask(lw))})")
                w = T.width(grown.elem)
                bits = self.part(x, grown.elem)
                code = f"((({moved} >> {lw}) << {lw}) | ({bits} << ({lw} + {n} * {w})) | ({n} + 1))"
                return self.convert(code, grown, lay)
            case M.EBuiltin("head", (q,)):
                src = self.bounds.lay(q)
                assert isinstance(src, T.SeqTy)
                cq = self.let(self.value(q, src))
                lw = T._bits(src.capacity + 1)
                self.failing(f"({cq} & {lit(mask(lw))}) == 0")
                w = T.width(src.elem)
                return self.convert(f"(({cq} >> {lw}) & {lit(mask(w))})", src.elem, lay)
        raise Unsupported(f"{type(e).__name__} as a composite value")

    def part(self, e: M.Expr, lay: T.Ty) -> str:
        """The bits of ``e`` as an element, entry or field of layout ``lay`` (failing
        when the value lies outside it)."""
        if is_composite(lay):
            return self.value(e, lay)
        if isinstance(lay, T.OptionTy) and is_composite(lay.inner):
            return self.encode(lay, self.optional(e, lay.inner))
        c = self.gen(e)
        static = self.bounds.elem_lay(e)
        if is_option(e.ty) and not is_option(lay):
            c = self.let(c)
            self.failing(f"{c} == {NONE}")
            static = strip(static)
        if isinstance(lay, T.OptionTy) and isinstance(static, T.BoolTy):
            c = f"(1 if {c} else 0)"
        ok = self.contains(lay, c, static)
        if ok != "True":
            c = self.let(c)
            self.failing(f"not {self.contains(lay, c, static)}")
        return self.encode(lay, c)

    def optional(self, e: M.Expr, inner: T.Ty) -> str:
        """The crep of ``e`` as an optional composite of layout ``inner``: its encoding in
        ``inner``, or NONE."""
        if isinstance(e, M.EConst) and e.value is None:
            return str(NONE)
        if not is_option(e.ty):
            return self.value(e, inner)
        if self.bounds.lay(e) != T.OptionTy(inner) and self.bounds.lay(e) != inner:
            raise Unsupported("optional composite values of different layouts")
        return self.gen(e)

    def map_comp(self, slot: int, body: M.Expr, lay: T.MapTy) -> str:
        n = T.size(lay.dom)
        w = T.width(lay.cod)
        keys = T.value_list(lay.dom)
        if n <= UNROLL:
            parts = []
            for i, k in enumerate(keys):
                self.emit(f"L{slot} = {self.const_crep(lay.dom, k)}")
                if isinstance(lay.dom, T.RangeTy):
                    self.bounds.slots[slot] = (k, k)
                bits = self.tmp()
                self.emit(f"{bits} = {self.part(body, lay.cod)}")
                parts.append(f"({bits} << {i * w})" if i * w else bits)
            self.bounds.slots.pop(slot, None)
            return "(" + " | ".join(parts) + ")" if parts else "0"
        acc = self.tmp()
        self.emit(f"{acc} = 0")
        dom = M.ETypeSet(lay.dom, T.SetTy(lay.dom))
        ix = self.tmp()
        self.emit(f"{ix} = 0")
        with self.loop(slot, dom):
            bits = self.part(body, lay.cod)
            self.emit(f"{acc} |= {bits} << ({ix} * {w})")
            self.emit(f"{ix} += 1")
        return acc

    @contextmanager
    def loop(self, slot: int, dom: M.Expr) -> Iterator[None]:
        """A ``for`` over the values of a binder's domain, in canonical order, with the
        body indented inside it and ``L<slot>`` bound."""
        self.bounds.bind_domain(slot, dom)
        match dom:
            case M.ETypeSet(elem):
                match elem:
                    case T.BoolTy():
                        ix = self.tmp()
                        self.emit(f"for {ix} in range(2):")
                        with self.indent():
                            self.emit(f"L{slot} = {ix} != 0")
                            yield
                        return
                    case T.EnumTy(_, members):
                        self.emit(f"for L{slot} in range({len(members)}):")
                        with self.indent():
                            yield
                        return
                    case T.RangeTy(lo, hi):
                        self.emit(f"for L{slot} in range({lo}, {hi + 1}):")
                        with self.indent():
                            yield
                        return
                ix = self.tmp()
                self.emit(f"for {ix} in range({T.size(elem)}):")
                with self.indent():
                    self.emit(f"L{slot} = {self.crep_of_index(elem, ix)}")
                    yield
                return
            case M.EBinary("range", first, last):
                lo_code = self.let(self.number(first))
                hi_code = self.let(self.number(last))
                self.emit(f"for L{slot} in range({lo_code}, {hi_code} + 1):")
                with self.indent():
                    yield
                return
        lay = self.bounds.lay(dom)
        assert isinstance(lay, T.SetTy)
        if isinstance(lay.elem, T.AnyTy):
            self.value(dom, lay)
            self.emit("for _ in range(0):")
            with self.indent():
                yield
            return
        m = self.let(self.value(dom, lay))
        ix = self.tmp()
        self.emit(f"for {ix} in range({T.size(lay.elem)}):")
        with self.indent():
            self.emit(f"if (({m} >> {ix}) & 1) != 0:")
            with self.indent():
                self.emit(f"L{slot} = {self.crep_of_index(lay.elem, ix)}")
                yield
