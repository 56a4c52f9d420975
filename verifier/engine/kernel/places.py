"""Stage 5 (kernel engine): reading state fields and parts of packed values.

``Places`` finds where an expression's value sits (``Loc``): a variable's word and bit
(``verifier/engine/kernel/layout.py``), then a map entry (the key's position, checked
against the domain), a record field or a sequence element (the index checked against
the length) inside it, in the state or in a packed value the code computed. A word
that depends on the state is chosen among the working words by its index.
"""

from __future__ import annotations

from verifier.engine.kernel.emit import Emitter, Loc, add, is_int, lit, mask, mul
from verifier.engine.kernel.layout import Leaf, WideMap, WideRecord
from verifier.engine.kernel.values import NONE, Unsupported, is_composite, is_option, strip
from verifier.lang import model as M
from verifier.lang import typesys as T


class Places(Emitter):

    def word(self, w: int | str, span: tuple[int, int]) -> str:
        if isinstance(w, int):
            return f"t{w}"
        lo, hi = span
        if lo == hi:
            return f"t{lo}"
        words = ", ".join(f"t{i}" for i in range(lo, hi + 1))
        return f"({words},)[{w} - {lo}]" if lo else f"({words},)[{w}]"

    def bits_at(self, loc: Loc) -> str:
        b = loc.block
        assert isinstance(b, Leaf)
        src = loc.base if loc.word is None else self.word(loc.word, loc.span)
        assert src is not None
        if loc.shift == 0:
            return f"({src} & {lit(mask(b.width))})"
        return f"(({src} >> {loc.shift}) & {lit(mask(b.width))})"

    def locate(self, e: M.Expr) -> Loc | None:
        """The location of a state field or a part of a packed value, or None when ``e``
        is computed (a value, not a place)."""
        match e:
            case M.EVar(i):
                w, sh, b = self.layout.places[i]
                return Loc(w, None, sh, b)
            case M.EApply(m, k):
                base = self.locate(m)
                if base is None:
                    if not is_composite(strip(m.ty)):
                        return None
                    base = self.value_loc(m)
                base = self.present(base)
                mty = base.block.ty
                assert isinstance(mty, T.MapTy), mty
                ki = self.key_index(mty.dom, k)
                return self.entry(base, ki)
            case M.EField(r, pos):
                base = self.locate(r)
                if base is None:
                    if not is_composite(strip(r.ty)):
                        return None
                    base = self.value_loc(r)
                return self.field_of(self.present(base), pos)
            case M.ESeqIndex(q, i):
                base = self.locate(q)
                if base is None:
                    base = self.value_loc(q)
                return self.seq_elem(self.present(base), i)
        return None

    def present(self, loc: Loc) -> Loc:
        """The value inside an optional one (failing on ``none``): its presence bit is the
        lowest, the value above it."""
        b = loc.block
        if not (isinstance(b, Leaf) and isinstance(b.ty, T.OptionTy)):
            return loc
        self.failing(f"{self.bits_at(Loc(loc.word, loc.base, loc.shift, Leaf(T.BOOL, 1), loc.span))} == 0")
        inner = b.ty.inner
        return Loc(loc.word, loc.base, add(loc.shift, 1), Leaf(inner, T.width(inner)), loc.span)

    def value_loc(self, e: M.Expr) -> Loc:
        lay = self.bounds.lay(e)
        code = self.let(self.value(e, lay))
        return Loc(None, code, 0, Leaf(lay, T.width(lay)))

    def entry(self, base: Loc, ki: int | str) -> Loc:
        b = base.block
        match b:
            case Leaf(T.MapTy(_, cod)):
                w = T.width(cod)
                return Loc(base.word, base.base, add(base.shift, mul(ki, w)), Leaf(cod, w), base.span)
            case WideMap(_, entry, n, per, stride, _):
                assert base.word is not None
                if per:
                    assert isinstance(entry, Leaf)
                    if isinstance(ki, int):
                        return Loc(add(base.word, ki // per), None, (ki % per) * entry.width, entry)
                    word = add(base.word, f"({ki} // {per})") if per < n else base.word
                    shift: int | str = mul(f"({ki} % {per})", entry.width) if per < n else mul(ki, entry.width)
                    span = self.words_span(base, b.words)
                    return Loc(word, None, shift, entry, span)
                word = add(base.word, mul(ki, stride))
                span = self.words_span(base, b.words)
                return Loc(word, None, 0, entry, span)
        raise Unsupported("map application")

    def words_span(self, base: Loc, words: int) -> tuple[int, int]:
        if isinstance(base.word, int):
            return (base.word, base.word + words - 1)
        return (base.span[0], base.span[1])

    def field_of(self, base: Loc, pos: int) -> Loc:
        b = base.block
        match b:
            case Leaf(T.RecordTy(_, items) | T.TupleTy(items)):
                off = sum(T.width(x) for x in items[:pos])
                return Loc(base.word, base.base, add(base.shift, off), Leaf(items[pos], T.width(items[pos])),
                           base.span)
            case WideRecord(_, fields, _):
                fw, fs, fb = fields[pos]
                assert base.word is not None and base.shift == 0
                span = (base.span[0] + fw, base.span[1] + fw) if not isinstance(base.word, int) else (0, 0)
                return Loc(add(base.word, fw), None, fs, fb, span)
        raise Unsupported("a field of an optional record")

    def seq_elem(self, base: Loc, i: M.Expr) -> Loc:
        b = base.block
        if not isinstance(b, Leaf) or not isinstance(b.ty, T.SeqTy):
            raise Unsupported("indexing a sequence")
        lw = T._bits(b.ty.capacity + 1)
        n = self.let(self.bits_at(Loc(base.word, base.base, base.shift, Leaf(T.RangeTy(0, b.ty.capacity), lw),
                                      base.span)))
        iv = self.number(i)
        iv = self.let(iv)
        self.failing(f"{iv} < 0 or {iv} >= {n}")
        w = T.width(b.ty.elem)
        return Loc(base.word, base.base, add(base.shift, add(lw, mul(iv, w))), Leaf(b.ty.elem, w), base.span)

    def key_index(self, dom: T.Ty, k: M.Expr) -> int | str:
        """The index of key ``k`` among the values of ``dom``; a key outside fails."""
        code = self.gen(k)
        if is_option(k.ty):
            code = self.let(code)
            self.failing(f"{code} == {NONE}")
        match dom:
            case T.EnumTy():
                return int(code) if is_int(code) else code
            case T.BoolTy():
                return 1 if code == "True" else 0 if code == "False" else f"(1 if {code} else 0)"
            case T.RangeTy(lo, hi):
                kl, kh = self.bounds.of(k)
                if is_int(code):
                    v = int(code)
                    if not lo <= v <= hi:
                        self.failing("True")
                        return 0
                    return v - lo
                if not (lo <= kl and kh <= hi):
                    code = self.let(code)
                    self.failing(f"{code} < {lo} or {code} > {hi}")
                return code if lo == 0 else f"({code} - {lo})"
        raise Unsupported(f"map keys of type {T.show(dom)}")

    def leaves(self, loc: Loc) -> list[str]:
        """The bits of every leaf of a wide value, in order."""
        b = loc.block
        if isinstance(b, Leaf):
            return [self.bits_at(loc)]
        out: list[str] = []
        if isinstance(b, WideMap):
            for i in range(b.n):
                out += self.leaves(self.entry(loc, i))
        else:
            assert isinstance(b, WideRecord)
            for i in range(len(b.fields)):
                out += self.leaves(self.field_of(loc, i))
        return out
