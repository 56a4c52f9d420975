"""The kernel engine: the checked model compiled to native code, searched by a native loop.

``prepare`` generates a model's kernel source from the checked IR (``stmt.py``,
``expr.py``, ``values.py``, ``layout.py``), compiles it to machine code (``lower.py``
through llvmlite, cached on disk by ``module.py``) and returns what ``search.py`` runs
on the numba driver (``driver.py``). A construct without a kernel translation raises
``Unsupported`` with the reason, which the engine reports when it falls back to the
Python stepper; ``unavailable`` says why the kernel cannot run at all here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from verifier.engine.kernel.values import Unsupported
from verifier.lang import model as M

__all__ = ["Prepared", "Unsupported", "prepare", "unavailable"]


def unavailable() -> str | None:
    """Why the kernel engine cannot run in this installation, or None."""
    try:
        import llvmlite.binding  # noqa: F401
        import numba  # noqa: F401
    except ImportError as e:  # pragma: no cover - both are dependencies
        return f"numba is not installed ({e})"
    return None


@dataclass(frozen=True)
class Prepared:
    """A model's compiled kernel, ready to search."""

    kernel: object          # module.Kernel
    layout: object          # layout.KernelLayout
    digest: str
    compile_seconds: float


def prepare(model: M.Model, monitors: tuple[M.Property, ...]) -> Prepared:
    from verifier.engine.kernel.module import generate, load

    t0 = time.perf_counter()
    src = generate(model, monitors)
    kernel = load(src)
    return Prepared(kernel, src.layout, src.digest, time.perf_counter() - t0)
