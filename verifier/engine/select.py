"""Stage 5 (explicit): what a search runs with -- the properties it watches and its stepper.

``make_stepper`` gives the compiled stepper (``verifier/engine/codegen/``) when the
spec allows it, else the reference semantics' (``verifier/engine/stepper.py``); the
search (``run.py``) and the liveness check choose theirs here.
"""

from __future__ import annotations

from verifier.engine.stepper import ReferenceStepper, Stepper
from verifier.lang import model as M


def select_properties(model: M.Model, names: tuple[str, ...] | None) -> tuple[M.Property, ...]:
    """The invariants and reachables to watch during the search (liveness properties are
    checked after it: ``select_liveness``)."""
    props = tuple(p for p in model.properties if p.kind in ("invariant", "reachable"))
    if names is None:
        return props
    by_name = {p.name: p for p in props}
    return tuple(by_name[n] for n in names if n in by_name)


def select_liveness(model: M.Model, names: tuple[str, ...] | None) -> tuple[M.Liveness, ...]:
    if names is None:
        return model.liveness
    by_name = {p.name: p for p in model.liveness}
    return tuple(by_name[n] for n in names if n in by_name)


def make_stepper(model: M.Model, monitors: tuple[M.Property, ...], mode: str) -> Stepper:
    if mode != "off":
        from verifier.engine.codegen import Unsupported, compile_stepper

        try:
            return compile_stepper(model, monitors)
        except Unsupported:
            if mode == "on":
                raise
    return ReferenceStepper(model, monitors)
