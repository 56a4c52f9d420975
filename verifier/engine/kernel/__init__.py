"""The kernel engine: the checked model compiled to native code, searched by a native loop.

``prepare`` generates a model's kernel source from the checked IR (``stmt.py``,
``expr.py``, ``values.py``, ``layout.py``; cached by ``sources.py``), compiles it to machine code (``lower.py``
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
    except (OSError, MemoryError) as e:  # too little memory left to load them
        return f"numba could not be loaded ({type(e).__name__}: {e})"
    return None


@dataclass(frozen=True)
class Prepared:
    """A model's compiled kernel, ready to search."""

    kernel: object          # module.Kernel
    layout: object          # layout.KernelLayout
    digest: str
    compile_seconds: float
    conditions: dict[M.Expr, int]  # the liveness conditions with a kernel function
    source: object = None   # module.Source: what a cluster's workers compile


def liveness_conditions(props: tuple[M.Liveness, ...]) -> tuple[tuple[M.Expr, tuple[M.Param, ...]], ...]:
    """The conditions the liveness check evaluates on every state, with their parameters."""
    from verifier.engine.liveness.ltl import atoms

    out = []
    for p in props:
        out += [(p.trigger, p.params), (p.goal, p.params)]
        if p.keep is not None:
            out.append((p.keep, p.params))
        if p.formula is not None:
            out += [(a, p.params) for a in atoms(p.formula)]
    return tuple(out)


def prepare(model: M.Model, monitors: tuple[M.Property, ...],
            conds: tuple[tuple[M.Expr, tuple[M.Param, ...]], ...] = (), group: object = None) -> Prepared:
    """The compiled kernel, with a function for each of ``conds`` it translates
    (``Prepared.conditions`` says which; the others are left to the reference semantics),
    storing the canonical states of the symmetry ``group`` when given."""
    from verifier.engine.kernel.module import load
    from verifier.engine.kernel.sources import generate

    t0 = time.perf_counter()
    src = generate(model, monitors, conds, group)
    kernel = load(src)
    index = {conds[k][0]: k for k in src.conditions}
    return Prepared(kernel, src.layout, src.digest, time.perf_counter() - t0, index, src)
