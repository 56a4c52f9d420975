"""Stage 5 (symbolic) meets stage 5 (explicit): is a given state reachable?

A counterexample to induction (CTI) is a real bug only if its pre-state is reachable.
``state_reachability`` asks the explicit engine, under a state limit: the state becomes
the invariant "not this state" of a copy of the model, so the search stops as soon as
it meets the state; it reports it reached (with the depth), never reached (the search
finished), or unknown (the limit stopped it, or the model cannot be searched).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from verifier import results as R
from verifier.engine.options import CheckOptions
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

REACHABLE, UNREACHABLE, UNKNOWN = "reachable", "unreachable", "unknown"
_TARGET = "__state__"


@dataclass(frozen=True, slots=True)
class Reachability:
    answer: str        # REACHABLE | UNREACHABLE | UNKNOWN
    depth: int = -1    # steps to the state, when reachable
    why: str = ""      # for UNKNOWN


def state_property(model: M.Model, state: sem.State) -> M.Property:
    conds: list[M.Expr] = [M.EBinary("==", M.EVar(i, v.name, v.ty), M.EConst(x, v.ty), T.BOOL)
                           for i, (v, x) in enumerate(zip(model.variables, state))]
    cond = conds[0]
    for c in conds[1:]:
        cond = M.EBinary("and", cond, c, T.BOOL)
    return M.Property("invariant", _TARGET, None, M.EUnary("not", cond, T.BOOL))


def state_reachability(model: M.Model, state: sem.State, limit: int) -> Reachability:
    probe = dataclasses.replace(model, properties=model.constraints + (state_property(model, state),))
    opts = CheckOptions(properties=(_TARGET,), max_states=limit, stop_at_first=True)
    result = _run(probe, opts)
    if isinstance(result, Reachability):
        return result
    if result.properties[0].verdict != R.VIOLATED and result.stop_reason == "stopped at the first violation":
        # a run-time error stopped the search before the state: search on past it
        result = _run(probe, dataclasses.replace(opts, stop_at_first=False))
        if isinstance(result, Reachability):
            return result
    p = result.properties[0]
    if p.verdict == R.VIOLATED and p.trace is not None:
        return Reachability(REACHABLE, depth=len(p.trace.steps))
    if p.verdict == R.HOLDS:
        return Reachability(UNREACHABLE)
    return Reachability(UNKNOWN, why=result.stop_reason or "search incomplete")


@dataclass(frozen=True, slots=True)
class Explicit:
    """The explicit engine's verdict on one invariant, under a state limit."""

    verdict: str                 # results.VIOLATED | HOLDS | INCONCLUSIVE
    trace: R.Trace | None = None
    states: int = 0
    why: str = ""


def explicit_invariants(model: M.Model, props: list[M.Property], limit: int) -> dict[str, Explicit]:
    """One explicit search for all of ``props`` at once: each one's verdict and shortest
    counterexample (the search runs to the end, or to the limit)."""
    if not props:
        return {}
    names = tuple(p.name for p in props)
    probe = dataclasses.replace(model, properties=model.constraints + tuple(props))
    result = _run(probe, CheckOptions(properties=names, max_states=limit, stop_at_first=False))
    if isinstance(result, Reachability):
        return {n: Explicit(R.INCONCLUSIVE, why=result.why) for n in names}
    by_name = {r.name: r for r in result.properties}
    return {n: Explicit(by_name[n].verdict, by_name[n].trace, result.stats.states,
                        result.stop_reason or "") for n in names}


def _run(probe: M.Model, opts: CheckOptions) -> R.CheckResult | Reachability:
    from verifier.engine import EngineError, run_check

    try:
        try:
            result = run_check(probe, opts)
        except ImportError:  # no compiled stepper in this build: the reference one will do
            result = run_check(probe, dataclasses.replace(opts, compiled="off"))
        if (result.stop_reason or "").startswith("interrupted"):
            raise KeyboardInterrupt  # the search took Ctrl-C as its stop: the proof stops too
        return result
    except EngineError as e:
        return Reachability(UNKNOWN, why=e.message)
    except (sem.EvalError, ValueError, MemoryError) as e:
        return Reachability(UNKNOWN, why=str(e))
