"""Stage 5 (kernel engine): the emitter the kernel generator writes code with.

The generator writes numba-syntax Python source (``lower.py`` turns it into machine
code) in A-normal form: ``Emitter`` holds the lines of the function being written,
their indentation, fresh names (``_v<n>``), and ``fail``, the statement that leaves
the function on a run-time error. ``Loc`` says where a value sits in the state's
words. Only mangled names and integer literals reach the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from verifier.engine.kernel.layout import Block, KernelLayout
from verifier.engine.kernel.values import Bounds, Unsupported
from verifier.lang import model as M
from verifier.lang import typesys as T

MAX_CODE_LINES = 200_000
PROBE = "return -7"  # the error exit while testing whether code can fail


def lit(x: int) -> str:
    """An int64 literal (wrapped to the signed range)."""
    x &= (1 << 64) - 1
    if x >= 1 << 63:
        x -= 1 << 64
    return str(x)


def mask(width: int) -> int:
    return (1 << width) - 1


def is_int(code: str) -> bool:
    return code.lstrip("-").isdigit()


def add(a: int | str, b: int | str) -> int | str:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if a == 0:
        return b
    if b == 0:
        return a
    return f"({a} + {b})"


def mul(a: int | str, k: int) -> int | str:
    if isinstance(a, int):
        return a * k
    if k == 0:
        return 0
    if k == 1:
        return a
    return f"({a} * {k})"


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value sits: in state word ``word`` (an int, or code when it depends on
    the state) at bit ``shift``, or inside the packed value ``base`` (``word`` None)."""

    word: int | str | None
    base: str | None
    shift: int | str
    block: Block
    span: tuple[int, int] = (0, 0)  # the words ``word`` may be, when it is code


class Emitter:
    """The function being written, and the operations every layer of the generator uses
    (``gen``, ``value`` and friends are defined by the layers above)."""

    def __init__(self, model: M.Model, layout: KernelLayout, bounds: Bounds, names: Iterator[int]) -> None:
        self.model = model
        self.layout = layout
        self.bounds = bounds
        self.names = names
        self.out: list[str] = []
        self.ind = "    "
        self.fail = "return -1"
        # closed quantifiers already computed for this state (``expr.memoized``), or
        # None where the code may read a state that changed
        self.memo: dict[M.Expr, str] | None = None

    def emit(self, line: str) -> None:
        self.out.append(self.ind + line)
        if len(self.out) > MAX_CODE_LINES:
            raise Unsupported("the generated kernel would be too large")

    @contextmanager
    def indent(self) -> Iterator[None]:
        old = self.ind
        self.ind += "    "
        try:
            yield
        finally:
            self.ind = old

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        saved = self.out
        self.out = []
        buf = self.out
        try:
            yield buf
        finally:
            self.out = saved

    def tmp(self) -> str:
        return f"_v{next(self.names)}"

    def let(self, code: str) -> str:
        """``code`` in a fresh name (so that it is evaluated once)."""
        if code.isidentifier() or is_int(code):
            return code
        v = self.tmp()
        self.emit(f"{v} = {code}")
        return v

    def failing(self, cond: str) -> None:
        """Leave the function with a run-time error when ``cond`` holds."""
        if cond == "True":
            self.emit(self.fail)
        elif cond != "False":
            self.emit(f"if {cond}:")
            with self.indent():
                self.emit(self.fail)

    # -- defined by the expression layers
    def gen(self, e: M.Expr) -> str:
        raise NotImplementedError

    def number(self, e: M.Expr) -> str:
        raise NotImplementedError

    def cond(self, e: M.Expr) -> str:
        raise NotImplementedError

    def value(self, e: M.Expr, lay: T.Ty) -> str:
        raise NotImplementedError

    def ite(self, c: M.Expr, a: Callable[[], str], b: Callable[[], str], e: M.Expr) -> str:
        raise NotImplementedError

    def bind_let(self, slot: int, v: M.Expr) -> None:
        raise NotImplementedError

    def enabled(self, e: M.EEnabled) -> str:
        raise Unsupported("enabled(...) outside the step function's generator")
