"""Seen-state stores of the explicit engine, behind one batch interface.

``add_batch(candidates)`` returns the positions of the candidates that are new, in
order, first occurrence only, and remembers them; ``add_batch_limited(candidates, room)``
remembers only the first ``room`` of them and says whether it left one out (the state
limit). ``PackedStore`` keeps packed states
below 2**63 in sorted numpy int64 arrays (8 bytes a state; a small sorted delta is
merged into the main array when it grows past a quarter of it, so a level costs one
sort of the level plus, amortised, a linear merge). ``SetStore`` is the fallback for
states that do not pack into 63 bits (big ints) or hold unbounded integers (tuples): a
Python set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


class PackedStore:
    def __init__(self) -> None:
        self.main: I64 = np.empty(0, dtype=np.int64)
        self.delta: I64 = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.main.size + self.delta.size)

    @property
    def nbytes(self) -> int:
        return int(self.main.nbytes + self.delta.nbytes)

    @staticmethod
    def _member(sorted_arr: I64, xs: I64) -> npt.NDArray[np.bool_]:
        if sorted_arr.size == 0:
            return np.zeros(xs.size, dtype=bool)
        pos = np.searchsorted(sorted_arr, xs)
        pos[pos == sorted_arr.size] = 0
        return np.asarray(sorted_arr[pos] == xs)

    def add_batch(self, candidates: list[int]) -> list[int]:
        return self.add_batch_limited(candidates, None)[0]

    def add_batch_limited(self, candidates: list[int], room: int | None) -> tuple[list[int], bool]:
        """``add_batch`` keeping at most ``room`` new states (the first, in order), and
        whether a new state was left out."""
        if not candidates:
            return [], False
        arr = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        uniq, first = np.unique(arr, return_index=True)
        fresh = ~(self._member(self.main, uniq) | self._member(self.delta, uniq))
        uniq, first = uniq[fresh], first[fresh]
        over = room is not None and uniq.size > room
        if over:
            keep = np.argsort(first, kind="stable")[:room]
            uniq, first = uniq[np.sort(keep)], first[np.sort(keep)]
        if uniq.size:
            self.delta = np.sort(np.concatenate((self.delta, uniq)), kind="stable")
            if self.delta.size * 4 > self.main.size:
                self.main = np.sort(np.concatenate((self.main, self.delta)), kind="stable")
                self.delta = np.empty(0, dtype=np.int64)
        order: list[int] = np.sort(first).tolist()
        return order, over

    def contains(self, s: int) -> bool:
        x = np.array([s], dtype=np.int64)
        return bool(self._member(self.main, x)[0] or self._member(self.delta, x)[0])


class SetStore:
    def __init__(self) -> None:
        self.seen: set[Any] = set()

    def __len__(self) -> int:
        return len(self.seen)

    @property
    def nbytes(self) -> int:
        import sys
        return sys.getsizeof(self.seen) + sum(sys.getsizeof(s) for s in list(self.seen)[:1000]) * \
            max(1, len(self.seen)) // max(1, min(1000, len(self.seen)))

    def add_batch(self, candidates: list[Any]) -> list[int]:
        return self.add_batch_limited(candidates, None)[0]

    def add_batch_limited(self, candidates: list[Any], room: int | None) -> tuple[list[int], bool]:
        out: list[int] = []
        seen = self.seen
        for i, c in enumerate(candidates):
            if c not in seen:
                if room is not None and len(out) == room:
                    return out, True
                seen.add(c)
                out.append(i)
        return out, False

    def contains(self, s: Any) -> bool:
        return s in self.seen
