"""Stage 5 (symbolic), shared by the engines: property conditions, solver choice, and
building the plain result data (``verifier.results``) the reports render."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from verifier import results as R
from verifier.engine.trace import location
from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.symbolic import values as V
from verifier.symbolic.solver import Solver
from verifier.symbolic.state import SymState
from verifier.symbolic.transition import System
from verifier.symbolic.values import Term


def finite(model: M.Model) -> bool:
    """Every variable has a finite type (the finite-domain solver applies)."""
    return all(T.is_finite(v.ty) for v in model.variables)


def make_solver(model: M.Model, timeout: float, *, cores: bool = False) -> Solver:
    return Solver(timeout, finite=finite(model), cores=cores)


def fire_condition(system: System, p: M.Property, st: SymState) -> Term:
    """When ``p`` fires in ``st``: an invariant is false (or fails to evaluate), a
    reachable is true."""
    val, err = system.prop(p, st)
    if p.kind == "invariant":
        return V.or_(V.not_(val), err)
    return V.and_(val, V.not_(err))


def holds_condition(system: System, p: M.Property, st: SymState) -> Term:
    """An invariant holds in ``st`` (and evaluates without error)."""
    val, err = system.prop(p, st)
    return V.and_(val, V.not_(err))


def select(model: M.Model, names: tuple[str, ...] | None, kinds: tuple[str, ...]) -> tuple[M.Property, ...]:
    props = tuple(p for p in model.properties if p.kind in kinds)
    if names is None:
        return props
    return tuple(p for p in props if p.name in names)


def prop_result(model: M.Model, p: M.Property, verdict: str, *, trace: R.Trace | None = None,
                note: str | None = None, expect: dict[str, str] | None = None) -> R.PropertyResult:
    return R.PropertyResult(p.name, p.kind, verdict, trace, location(model, p.span), p.doc,
                            (expect or {}).get(p.name), note)


def runtime_result(trace: R.Trace, expect: dict[str, str] | None = None) -> R.PropertyResult:
    return R.PropertyResult("RuntimeError", R.RUNTIME, R.VIOLATED, trace, None,
                            "no run-time error (domains, map keys, division)",
                            (expect or {}).get("RuntimeError"))


INTERRUPTED = "interrupted"  # the stop reason of a run that Ctrl-C (or SIGTERM) ended


def reraise_interrupt(result: R.CheckResult) -> R.CheckResult:
    """A nested run (bounded model checking inside induction, ...) turns Ctrl-C into an
    interrupted result; the run around it stops too (its own handler reports it)."""
    if result.stop_reason == INTERRUPTED:
        raise KeyboardInterrupt
    return result


@dataclass
class Clock:
    t0: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return round(time.perf_counter() - self.t0, 3)


def make_result(model: M.Model, engine: str, props: list[R.PropertyResult], *, complete: bool,
                stop_reason: str | None, depth: int, seconds: float,
                warnings: tuple[str, ...] = ()) -> R.CheckResult:
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    return R.CheckResult(model=model.name, spec_path=model.path, engine=engine, complete=complete,
                         stop_reason=stop_reason, properties=tuple(props),
                         stats=R.Stats(depth=depth, seconds=seconds), constants=consts,
                         warnings=warnings)
