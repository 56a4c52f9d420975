"""Stage 5 (kernel engine): the canonical form of a symmetry group, as kernel code.

``canon_functions`` writes ``_canon(O, n, t0..)``, which puts the canonical state of the
state in words ``t0..`` into row ``n`` of ``O`` and returns how many renamings map the
state to it (the size of its stabilizer), and the entry point ``canon(S, O)`` (the same
for the state at ``S``, into ``O``'s first row). Every stored successor goes through
``_canon`` (``stmt.py``'s ``finish``), so the driver's table holds canonical states only.
The form is ``verifier/engine/symmetry.py``'s ``Canon``, computed on the packed words:

- a renaming is applied leaf by leaf: a member value through a table (``(q0, q1, ..)[v]``),
  a set or a map keyed by renamed values by gathering each bit or entry from where the
  renaming takes it from (its index through the inverse renaming, ``p``), the other
  leaves copied by a mask;
- the sorted enum's members get keys (their rows of maps keyed by it, whether a value
  refers to them, whether a set holds them), packed first part highest into 63-bit words;
  a member's new name is its rank among the keys (ties in member order), n^2 comparisons;
- the enums whose every renaming is tried are enumerated by nested loops (a bit mask of
  the members placed so far), and the least result in words kept.

``canon_rows`` and ``stabilizers`` run the entry point over many states (the initial
states, and the orbit sizes of a finished search).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from verifier.engine.kernel import driver as D
from verifier.engine.kernel.layout import Block, KernelLayout, Leaf, WideMap, WideRecord
from verifier.engine.kernel.values import Unsupported
from verifier.engine.symmetry import Group
from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.lang.symmetry import mentions

MAX_TERMS = 400_000  # a canonical form whose code would be larger is not generated


@dataclass(frozen=True, slots=True)
class _Src:
    """Where a block of the source state starts: word ``words[sel]`` (``sel`` None: the
    only one) at bit ``shift`` (code, or a number)."""

    sel: str | None
    words: tuple[int, ...]
    shift: int | str


Perms = dict[str, tuple[list[str], list[str]]]  # enum -> (p: old member at new j, q: new of old m)


def _items(ty: T.Ty) -> tuple[T.Ty, ...]:
    if isinstance(ty, T.TupleTy):
        return ty.items
    assert isinstance(ty, T.RecordTy)
    return ty.types


def _mask(width: int) -> int:
    return (1 << width) - 1


class _Gen:
    def __init__(self, model: M.Model, layout: KernelLayout, group: Group) -> None:
        self.model = model
        self.layout = layout
        self.group = group
        self.lines: list[str] = []
        self.ind = "    "
        self.count = 0
        self.terms = 0

    def emit(self, line: str) -> None:
        self.lines.append(self.ind + line)
        self.terms += line.count("(") + 1
        if self.terms > MAX_TERMS:
            raise Unsupported("the canonical form of the symmetry group would be too large")

    def tmp(self) -> str:
        self.count += 1
        return f"_s{self.count}"

    def let(self, code: str) -> str:
        if code.isidentifier() or code.lstrip("-").isdigit():
            return code
        v = self.tmp()
        self.emit(f"{v} = {code}")
        return v

    # -- reading the source
    def read(self, names: list[str], src: _Src, width: int) -> str:
        if src.sel is None or len(set(src.words)) == 1:
            w = names[src.words[0]]
        else:
            w = "(" + ", ".join(names[x] for x in src.words) + f")[{src.sel}]"
        sh = src.shift
        shifted = w if sh == 0 else f"({w} >> {sh})"
        return f"({shifted} & {_mask(width)})"

    # -- indices of renamed values, and renamed bits
    def index(self, ty: T.Ty, x: object, perms: Perms, inverse: bool) -> int | str:
        """The position in ``ty``'s canonical order of value ``x`` renamed (``inverse``:
        by the inverse renaming)."""
        match ty:
            case T.EnumTy(name, members):
                i = members.index(x)  # type: ignore[arg-type]
                if name in perms:
                    return perms[name][0 if inverse else 1][i]
                return i
            case T.OptionTy(inner):
                if x is None:
                    return 0
                sub = self.index(inner, x, perms, inverse)
                return sub + 1 if isinstance(sub, int) else f"({sub} + 1)"
            case T.TupleTy(items) | T.RecordTy(_, items):
                acc: int | str = 0
                assert isinstance(x, tuple)
                for it, v in zip(items, x, strict=True):
                    sub = self.index(it, v, perms, inverse)
                    n = T.size(it)
                    if isinstance(acc, int) and isinstance(sub, int):
                        acc = acc * n + sub
                    else:
                        acc = f"({acc} * {n} + {sub})"
                return acc
        if mentions(ty, frozenset(perms)):
            raise Unsupported(f"a symmetric value inside {T.show(ty)} used as a key or element")
        return T.key_index(ty, x)

    def bits(self, ty: T.Ty, v: str, perms: Perms) -> str:
        """Code of the encoding of the value encoded by ``v``, renamed."""
        names = frozenset(perms)
        if not mentions(ty, names):
            return v
        v = self.let(v)
        match ty:
            case T.EnumTy(name, _):
                return f"({', '.join(perms[name][1])})[{v}]"
            case T.OptionTy(inner):
                inner_bits = self.bits(inner, f"({v} >> 1)", perms)
                return f"(((({inner_bits}) << 1) | 1) if ({v} & 1) != 0 else 0)"
            case T.SetTy(elem):
                terms = []
                for j, x in enumerate(T.value_list(elem)):
                    src = self.index(elem, x, perms, True)
                    terms.append(f"((({v} >> {src}) & 1) << {j})")
                return "(" + " | ".join(terms) + ")"
            case T.SeqTy(elem, cap):
                lw, we = T._bits(cap + 1), T.width(elem)
                length = f"({v} & {_mask(lw)})"
                terms = [length]
                for i in range(cap):
                    off = lw + i * we
                    slot = self.bits(elem, f"(({v} >> {off}) & {_mask(we)})", perms)
                    terms.append(f"(({slot} << {off}) if {length} > {i} else 0)")
                return "(" + " | ".join(terms) + ")"
            case T.TupleTy(items) | T.RecordTy(_, items):
                terms, off = [], 0
                for it in items:
                    w = T.width(it)
                    comp = self.bits(it, f"(({v} >> {off}) & {_mask(w)})", perms)
                    terms.append(f"({comp} << {off})")
                    off += w
                return "(" + " | ".join(terms) + ")"
            case T.MapTy(dom, cod):
                wc = T.width(cod)
                terms = []
                for j, key in enumerate(T.value_list(dom)):
                    src = self.index(dom, key, perms, True)
                    entry = f"(({v} >> ({src} * {wc})) & {_mask(wc)})"
                    terms.append(f"({self.bits(cod, entry, perms)} << {j * wc})")
                return "(" + " | ".join(terms) + ")" if terms else "0"
        raise Unsupported(f"renaming values of type {T.show(ty)}")

    # -- a renamed state
    def rename(self, names: list[str], perms: Perms) -> list[str]:
        """Words of the state in words ``names`` renamed by ``perms``; their names."""
        keep = [0] * self.layout.words
        parts: list[list[str]] = [[] for _ in range(self.layout.words)]
        for var, (w, sh, b) in zip(self.model.variables, self.layout.places, strict=True):
            self.block(var.ty, b, w, sh, _Src(None, (w,), sh), names, perms, keep, parts)
        out = []
        for i in range(self.layout.words):
            terms = [f"({names[i]} & {_lit(keep[i])})"] if keep[i] else []
            terms += parts[i]
            d = self.tmp()
            self.emit(f"{d} = {' | '.join(terms) if terms else '0'}")
            out.append(d)
        return out

    def block(self, ty: T.Ty, b: Block, w: int, sh: int, src: _Src, names: list[str], perms: Perms,
              keep: list[int], parts: list[list[str]]) -> None:
        static = src.sel is None and src.words == (w,) and src.shift == sh
        if isinstance(b, Leaf):
            if b.width == 0:
                return
            if static and not mentions(ty, frozenset(perms)):
                keep[w] |= _mask(b.width) << sh
                return
            code = self.bits(ty, self.read(names, src, b.width), perms)
            parts[w].append(f"({self.let(code)} << {sh})" if sh else self.let(code))
            return
        if isinstance(b, WideRecord):
            for (fw, fs, fb), it in zip(b.fields, _items(ty), strict=True):
                self.block(it, fb, w + fw, fs, _Src(src.sel, tuple(a + fw for a in src.words), fs),
                           names, perms, keep, parts)
            return
        assert isinstance(ty, T.MapTy)
        ew = b.entry.width if isinstance(b.entry, Leaf) else 0

        def step(k: int) -> int:  # the word of entry k, from the map's first
            return k // b.per if b.per else k * b.stride

        def shift_of(k: int) -> int:
            return (k % b.per) * ew if b.per else 0

        for j, key in enumerate(T.value_list(ty.dom)):
            s = self.index(ty.dom, key, perms, True)
            if isinstance(s, int):
                esrc = _Src(src.sel, tuple(a + step(s) for a in src.words), shift_of(s))
            else:
                sel = s if src.sel is None else f"({src.sel} * {b.n} + {s})"
                words = tuple(a + step(k) for a in src.words for k in range(b.n))
                esrc = _Src(sel, words, f"(({s} % {b.per}) * {ew})" if b.per else 0)
            dw, ds = (w + j // b.per, (j % b.per) * ew) if b.per else (w + j * b.stride, 0)
            self.block(ty.cod, b.entry, dw, ds, esrc, names, perms, keep, parts)

    # -- keys of the sorted enum
    def keys(self, names: list[str]) -> list[list[str]]:
        """Per member of the sorted enum, the words of its key in the state ``names``."""
        e = self.group.sorted
        assert e is not None
        per_member: list[list[tuple[str, int]]] = [[] for _ in e.members]
        for pos in self.group.positions:
            ty, b, w, sh = self.locate(pos)
            for m in range(len(e.members)):
                match pos.kind:
                    case "row":
                        assert isinstance(ty, T.MapTy)
                        for code, width in self.entry_leaves(ty, b, w, sh, m, names):
                            per_member[m].append((code, width))
                    case "ref":
                        v = self.read(names, _Src(None, (w,), sh), T.width(ty))
                        want = m if isinstance(ty, T.EnumTy) else (m << 1) | 1
                        per_member[m].append((f"(1 if {v} == {want} else 0)", 1))
                    case _:
                        v = self.read(names, _Src(None, (w,), sh), T.width(ty))
                        bit = m if isinstance(ty, T.SetTy) and isinstance(ty.elem, T.EnumTy) else m + 1
                        per_member[m].append((f"(({v} >> {bit}) & 1)", 1))
        out = []
        for parts in per_member:
            words: list[str] = []
            acc: str | None = None
            used = 0
            for code, width in parts:
                if width == 0:
                    continue
                if acc is not None and used + width > 63:
                    words.append(self.let(acc))
                    acc, used = None, 0
                acc = code if acc is None else f"(({acc} << {width}) | {code})"
                used += width
            if acc is not None:
                words.append(self.let(acc))
            out.append(words or ["0"])
        return out

    def locate(self, pos: object) -> tuple[T.Ty, Block, int, int]:
        from verifier.engine.symmetry import Position

        assert isinstance(pos, Position)
        w, sh, b = self.layout.places[pos.var]
        ty = self.model.variables[pos.var].ty
        for kind, i in pos.steps:
            if isinstance(b, Leaf):
                if kind == "key":
                    assert isinstance(ty, T.MapTy)
                    sh += i * T.width(ty.cod)
                    ty = ty.cod
                else:
                    sh += sum(T.width(x) for x in _items(ty)[:i])
                    ty = _items(ty)[i]
                b = Leaf(ty, T.width(ty))
            elif isinstance(b, WideMap):
                assert isinstance(ty, T.MapTy)
                ew = b.entry.width if isinstance(b.entry, Leaf) else 0
                w, sh = (w + i // b.per, (i % b.per) * ew) if b.per else (w + i * b.stride, 0)
                ty, b = ty.cod, b.entry
            else:
                fw, fs, fb = b.fields[i]
                w, sh, ty, b = w + fw, fs, _items(ty)[i], fb
        return ty, b, w, sh

    def entry_leaves(self, ty: T.MapTy, b: Block, w: int, sh: int, m: int,
                     names: list[str]) -> list[tuple[str, int]]:
        """The leaves of entry ``m`` of the map at (w, sh), in block order."""
        wc = T.width(ty.cod)
        if isinstance(b, Leaf):
            return [(self.read(names, _Src(None, (w,), sh + m * wc), wc), wc)] if wc else []
        assert isinstance(b, WideMap)
        ew = b.entry.width if isinstance(b.entry, Leaf) else 0
        ew_w, ew_s = (w + m // b.per, (m % b.per) * ew) if b.per else (w + m * b.stride, 0)
        return self.leaves(b.entry, ew_w, ew_s, names)

    def leaves(self, b: Block, w: int, sh: int, names: list[str]) -> list[tuple[str, int]]:
        if isinstance(b, Leaf):
            return [(self.read(names, _Src(None, (w,), sh), b.width), b.width)] if b.width else []
        out = []
        if isinstance(b, WideMap):
            ew = b.entry.width if isinstance(b.entry, Leaf) else 0
            for i in range(b.n):
                iw, isx = (w + i // b.per, (i % b.per) * ew) if b.per else (w + i * b.stride, 0)
                out += self.leaves(b.entry, iw, isx, names)
            return out
        for fw, fs, fb in b.fields:
            out += self.leaves(fb, w + fw, fs, names)
        return out

    # -- comparisons of word tuples
    @staticmethod
    def less(a: list[str], b: list[str], equal_too: bool = False) -> str:
        """Code: a < b (or a <= b) lexicographically."""
        code = f"{a[-1]} {'<=' if equal_too else '<'} {b[-1]}"
        for x, y in zip(reversed(a[:-1]), reversed(b[:-1])):
            code = f"({x} < {y}) or ({x} == {y} and ({code}))"
        return f"({code})"

    @staticmethod
    def same(a: list[str], b: list[str]) -> str:
        return "(" + " and ".join(f"{x} == {y}" for x, y in zip(a, b)) + ")"

    def sort(self, names: list[str]) -> tuple[Perms, list[list[str]]]:
        """The renaming of the sorted enum that orders its members by key, and the keys."""
        e = self.group.sorted
        assert e is not None
        keys = self.keys(names)
        n = len(e.members)
        q = [self.tmp() for _ in range(n)]
        p = [self.tmp() for _ in range(n)]
        for m in range(n):
            self.emit(f"{q[m]} = 0")
            for k in range(n):
                if k != m:
                    self.emit(f"if {self.less(keys[k], keys[m], equal_too=k < m)}:")
                    self.emit(f"    {q[m]} += 1")
        for j in range(n):
            self.emit(f"{p[j]} = 0")
            for m in range(1, n):
                self.emit(f"if {q[m]} == {j}:")
                self.emit(f"    {p[j]} = {m}")
        return {e.name: (p, q)}, keys

    def stabilizer(self, keys: list[list[str]]) -> str:
        """Code of the product of the factorials of the numbers of members with equal keys."""
        st = self.tmp()
        self.emit(f"{st} = 1")
        for m in range(1, len(keys)):
            c = self.tmp()
            self.emit(f"{c} = 1")
            for k in range(m):
                self.emit(f"if {self.same(keys[k], keys[m])}:")
                self.emit(f"    {c} += 1")
            self.emit(f"{st} = {st} * {c}")
        return st

    # -- the function
    def canon(self, words: int) -> str:
        ts = [f"t{i}" for i in range(words)]
        g = self.group
        if not g.tried:
            perms, keys = self.sort(ts)
            out = self.rename(ts, perms)
            stab = self.stabilizer(keys)
            for i, d in enumerate(out):
                self.emit(f"O[n * {words} + {i}] = {d}")
            self.emit(f"return {stab}")
        else:
            best = [f"_b{i}" for i in range(words)]
            for b in best:
                self.emit(f"{b} = 0")
            self.emit("_h = 0")
            self.emit("_c = 0")
            saved = self.ind
            perms_t: Perms = {}
            for e in g.tried:
                perms_t[e.name] = self.loops(e)
            cand = self.rename(ts, perms_t)
            if g.sorted is not None:
                perms_s, _ = self.sort(cand)
                cand = self.rename(cand, perms_s)
            self.emit(f"if _h == 0 or {self.less(cand, best)}:")
            for b, c in zip(best, cand):
                self.emit(f"    {b} = {c}")
            self.emit("    _c = 1")
            self.emit("    _h = 1")
            self.emit(f"elif {self.same(cand, best)}:")
            self.emit("    _c += 1")
            self.ind = saved
            stab = "1"
            if g.sorted is not None:
                stab = self.stabilizer(self.keys(best))
            for i, b in enumerate(best):
                self.emit(f"O[n * {words} + {i}] = {b}")
            self.emit(f"return _c * {stab}")
        header = f"def _canon(O, n, {', '.join(ts)}):"
        return "\n".join(["@njit(cache=True)", header, *self.lines])

    def loops(self, e: T.EnumTy) -> tuple[list[str], list[str]]:
        """Nested loops over the renamings of ``e``: p[j] the old member at new position j
        and q[m] the new position of old member m, inside them."""
        n = len(e.members)
        p = [self.tmp() for _ in range(n)]
        q = [self.tmp() for _ in range(n)]
        full = _mask(n)
        used = "0"
        for j in range(n):
            if j == n - 1:
                self.emit(f"{p[j]} = _rt.lowbit({full} & ~{used})" if n > 1 else f"{p[j]} = 0")
            else:
                self.emit(f"for {p[j]} in range({n}):")
                self.ind += "    "
                self.emit(f"if ({used} >> {p[j]}) & 1 == 0:")
                self.ind += "    "
            for m in range(n):
                self.emit(f"if {p[j]} == {m}:")
                self.emit(f"    {q[m]} = {j}")
            if j < n - 1:
                u = self.tmp()
                self.emit(f"{u} = {used} | (1 << {p[j]})")
                used = u
        return p, q


def _lit(x: int) -> str:
    x &= (1 << 64) - 1
    return str(x - (1 << 64) if x >= 1 << 63 else x)


def canon_functions(model: M.Model, layout: KernelLayout, group: Group) -> list[str]:
    """The source of ``_canon`` and of the entry point ``canon(S, O)``."""
    gen = _Gen(model, layout, group)
    body = gen.canon(layout.words)
    ts = ", ".join(f"t{i}" for i in range(layout.words))
    loads = [f"    t{i} = S[{i}]" for i in range(layout.words)]
    entry = "\n".join(["@njit(cache=True)", "def canon(S, O):", *loads, f"    return _canon(O, 0, {ts})"])
    return [body, entry]


# ---- running it over many states -------------------------------------------------------------


@njit(cache=True)
def _rows(fn, S, n, out, stab):  # type: ignore[no-untyped-def]
    for i in range(n):
        stab[i] = fn(D.row_ptr(S, i), D.row_ptr(out, i))


def canon_rows(kernel: object, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """The canonical states of ``rows`` (a 2-D int64 array of states) and their
    stabilizers' sizes."""
    fn = canon_entry(kernel)
    out = np.zeros_like(rows)
    stab = np.zeros(rows.shape[0], dtype=np.int64)
    if rows.shape[0]:
        _rows(fn, np.ascontiguousarray(rows), rows.shape[0], out, stab)
    return out, stab


def canon_entry(kernel: object) -> object:
    fn = kernel.canon  # type: ignore[attr-defined]
    assert fn is not None, "a kernel generated without a symmetry group"
    return fn


def represented(kernel: object, S: np.ndarray, n: int, group: Group) -> int:  # type: ignore[type-arg]
    """How many states the first ``n`` canonical states of ``S`` stand for: the sum of
    their orbits' sizes, |G| / |stabilizer| each."""
    if n == 0:
        return 0
    _, stab = canon_rows(kernel, S[:n])
    values, counts = np.unique(stab, return_counts=True)
    return sum(int(c) * (group.size // int(v)) for v, c in zip(values, counts))
