"""Stage 5 (kernel engine): arrays that a search keeps in files, or in memory alike.

``AppendFile`` appends rows to a file and reads them back through ``np.memmap`` (the
frontier, the next level and the parent links of the level-by-level search, the state
table of a checkpoint); ``Growing`` is the same interface on an array in memory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np


class AppendFile:
    """Rows of one dtype appended to a file (``width`` values each, or single values with
    ``width=None``; ``count`` of them are valid: a file found longer, written after the
    last checkpoint, is cut back)."""

    def __init__(self, path: Path, dtype: Any, width: int | None = None, count: int = 0) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.count = count
        mode = "r+b" if path.exists() else "w+b"
        self.f = open(path, mode)  # noqa: SIM115 - closed by close()
        self.f.truncate(count * self.rowbytes)
        self.f.seek(0, os.SEEK_END)

    @property
    def rowbytes(self) -> int:
        return int(self.dtype.itemsize) * (self.width or 1)

    def append(self, rows: Any) -> None:
        a = np.ascontiguousarray(rows, dtype=self.dtype)
        if a.size:
            self.f.write(a.tobytes())
        self.count += len(a)

    def flush(self) -> None:
        self.f.flush()

    def view(self, lo: int = 0, hi: int | None = None) -> Any:
        """Rows lo..hi as a read-only array on the file."""
        hi = self.count if hi is None else hi
        shape: tuple[int, ...] = (hi - lo,) if self.width is None else (hi - lo, self.width)
        if hi <= lo:
            return np.zeros(shape, dtype=self.dtype)
        self.f.flush()
        return np.memmap(self.path, dtype=self.dtype, mode="r", offset=lo * self.rowbytes, shape=shape)

    def close(self) -> None:
        self.f.close()


class Growing:
    """``AppendFile``'s interface in memory."""

    def __init__(self, dtype: Any, width: int | None = None) -> None:
        self.dtype = np.dtype(dtype)
        self.width = width
        self.count = 0
        self.a = np.zeros((1024,) if width is None else (1024, width), dtype=self.dtype)

    def append(self, rows: Any) -> None:
        n = len(rows)
        if self.count + n > len(self.a):
            cap = len(self.a)
            while cap < self.count + n:
                cap *= 2
            a = np.zeros((cap,) + self.a.shape[1:], dtype=self.dtype)
            a[:self.count] = self.a[:self.count]
            self.a = a
        self.a[self.count:self.count + n] = rows
        self.count += n

    def flush(self) -> None:
        pass

    def view(self, lo: int = 0, hi: int | None = None) -> Any:
        return self.a[lo:self.count if hi is None else hi]

    def close(self) -> None:
        pass


def write_array(folder: Path, name: str, a: Any) -> None:
    tmp = folder / f"{name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(np.ascontiguousarray(a).tobytes())
    os.replace(tmp, folder / name)


def read_array(folder: Path, name: str, dtype: Any, width: int | None) -> Any:
    a = np.fromfile(folder / name, dtype=dtype)
    return a if width is None else a.reshape(-1, width)
