"""Stage 5 (kernel engine): where each variable lives in a state of 64-bit words.

A kernel state is a fixed number of int64 words. A value of at most 63 bits (any finite
type: a scalar, a set as a bit mask, a small map or record in the packed encoding of
``verifier.typesys``) is a *leaf*: it sits whole in one word, so reading it is one shift
and one mask. A wider map, record or tuple is laid out part by part from a word
boundary: a map whose entries are leaves packs ``per`` entries into each word (entry
``i`` in word ``i // per`` at bit ``(i % per) * width``), a map of wide entries gives
each entry ``stride`` words, and a record places its fields like variables. Wider sets
and sequences have no kernel layout (the engine says so and uses the Python stepper).

Variables are placed in declaration order, each leaf in the first word with room for it.
``encode``/``decode`` convert between the reference semantics' value tuples and words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from verifier.lang import model as M
from verifier.lang import typesys as T

LEAF_BITS = 63  # a leaf's value is a non-negative int64


class NoLayout(Exception):
    """A type that the kernel cannot lay out in words."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """A value of at most 63 bits, kept whole at ``shift`` in one word."""

    ty: T.Ty
    width: int


@dataclass(frozen=True, slots=True)
class WideMap:
    """A map wider than a leaf. ``per`` > 0: its entries are leaves, ``per`` to a word;
    else each entry is a wide block of ``stride`` words."""

    ty: T.MapTy
    entry: Block
    n: int
    per: int
    stride: int
    words: int


@dataclass(frozen=True, slots=True)
class WideRecord:
    """A record or tuple wider than a leaf: each field at (word, shift) relative to the
    record's first word."""

    ty: T.Ty
    fields: tuple[tuple[int, int, Block], ...]
    words: int


Block = Union[Leaf, WideMap, WideRecord]


def block_of(ty: T.Ty) -> Block:
    if not T.is_finite(ty):
        raise NoLayout(f"type {T.show(ty)} is not finite")
    w = T.width(ty)
    if w <= LEAF_BITS:
        return Leaf(ty, w)
    match ty:
        case T.MapTy(dom, cod):
            n = T.size(dom)
            entry = block_of(cod)
            if isinstance(entry, Leaf):
                per = 64 // max(1, entry.width)
                return WideMap(ty, entry, n, per, 0, -(-n // per))
            return WideMap(ty, entry, n, 0, entry.words, n * entry.words)
        case T.RecordTy(_, items) | T.TupleTy(items):
            placed, words = _place([block_of(i) for i in items])
            return WideRecord(ty, tuple(placed), words)
    raise NoLayout(f"type {T.show(ty)} needs {w} bits, more than a word, and only maps, "
                   "records and tuples are split over words")


def _place(blocks: list[Block]) -> tuple[list[tuple[int, int, Block]], int]:
    """(word, shift, block) for each block: leaves first-fit into words, wide blocks on
    fresh words; and the number of words used."""
    used: list[int] = []
    out: list[tuple[int, int, Block]] = []
    for b in blocks:
        if isinstance(b, Leaf):
            for wi, u in enumerate(used):
                if u + b.width <= 64:
                    out.append((wi, u, b))
                    used[wi] = u + b.width
                    break
            else:
                out.append((len(used), 0, b))
                used.append(b.width)
        else:
            out.append((len(used), 0, b))
            used.extend([64] * b.words)
    return out, max(1, len(used))


@dataclass(frozen=True, slots=True)
class KernelLayout:
    places: tuple[tuple[int, int, Block], ...]  # per variable: (word, shift, block)
    words: int

    @staticmethod
    def of(model: M.Model) -> KernelLayout:
        placed, words = _place([block_of(v.ty) for v in model.variables])
        return KernelLayout(tuple(placed), words)

    def encode(self, state: tuple[Any, ...]) -> list[int]:
        out = [0] * self.words
        for (w, sh, b), v in zip(self.places, state):
            _put(out, w, sh, b, v)
        return [_signed(x) for x in out]

    def decode(self, words: Any) -> tuple[Any, ...]:
        ws = [int(x) & ((1 << 64) - 1) for x in words]
        return tuple(_get(ws, w, sh, b) for w, sh, b in self.places)


def _signed(x: int) -> int:
    return x - (1 << 64) if x >= 1 << 63 else x


def _put(out: list[int], w: int, sh: int, b: Block, v: Any) -> None:
    match b:
        case Leaf(ty, _):
            out[w] |= T.encode(ty, v) << sh
        case WideMap(_, entry, n, per, stride, _):
            for i in range(n):
                if per:
                    _put(out, w + i // per, (i % per) * entry.width, entry, v[i])  # type: ignore[union-attr]
                else:
                    _put(out, w + i * stride, 0, entry, v[i])
        case WideRecord(_, fields, _):
            for (fw, fs, fb), x in zip(fields, v):
                _put(out, w + fw, fs, fb, x)


def _get(ws: list[int], w: int, sh: int, b: Block) -> Any:
    match b:
        case Leaf(ty, width):
            return T.decode(ty, (ws[w] >> sh) & ((1 << width) - 1))
        case WideMap(_, entry, n, per, stride, _):
            if per:
                return tuple(_get(ws, w + i // per, (i % per) * entry.width, entry)  # type: ignore[union-attr]
                             for i in range(n))
            return tuple(_get(ws, w + i * stride, 0, entry) for i in range(n))
        case WideRecord(_, fields, _):
            return tuple(_get(ws, w + fw, fs, fb) for fw, fs, fb in fields)
    raise AssertionError(b)
