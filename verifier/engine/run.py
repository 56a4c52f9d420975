"""Stage 5 (explicit): ``run_check(model, options) -> CheckResult``.

Chooses a stepper (``verifier/engine/select.py``: compiled when the spec allows it, else
the reference semantics) and a store (packed when states fit in 63 bits), runs the
breadth-first search, checks the liveness properties on the graph it found, and turns
what it found into plain result data with replayed traces.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from verifier import results as R
from verifier.engine.explicit import Exploration, explore
from verifier.engine.options import CheckOptions
from verifier.engine.select import make_stepper, select_liveness, select_properties
from verifier.engine.stepper import Layout, Stepper
from verifier.engine.store import PackedStore, SetStore
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic
from verifier.lang.syntax import NOSPAN, Span


class EngineError(Exception):
    """The model cannot be searched explicitly as it stands (e.g. unbounded variables)."""

    def __init__(self, message: str, hint: str, span: Span = NOSPAN, code: str = "E119") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.span = span
        self.code = code

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.message, self.span, self.hint)


def run_check(model: M.Model, opts: CheckOptions, *,
              expect: dict[str, str] | None = None) -> R.CheckResult:
    unbounded = [v for v in model.variables if isinstance(v.ty, T.IntTy)]
    if unbounded and not model.constraints:
        raise EngineError(
            f"variable `{unbounded[0].name}` has the unbounded type int, so explicit search may not end",
            "add a `constraint` that bounds it (e.g. `constraint Small: epoch <= 5`), "
            "or prove the spec with `verifier prove`", unbounded[0].span)
    monitors = select_properties(model, opts.properties)
    stepper = make_stepper(model, monitors, opts.compiled)
    layout = Layout(model)
    # packed states of more than 63 bits are Python ints: exact, kept in a set
    packed = stepper.packed and layout.total_bits <= 63
    store: Any = PackedStore() if packed else SetStore()
    counter_fields: list[tuple[int, int]] = []
    for c in model.counters:
        if stepper.packed:
            counter_fields.append((layout.offsets[c.var], (1 << layout.widths[c.var]) - 1))
        else:
            counter_fields.append((c.var, 0))
    stoppers = frozenset(i for i, p in enumerate(monitors) if p.kind == "invariant")
    try:
        ex = explore(stepper, store, opts, len(monitors), counter_fields, stoppers)
    except sem.EvalError as err:
        raise EngineError(f"run-time error while computing the initial states: {err.message}",
                          "fix the `var` initial values or `init` conditions", err.span,
                          "E120") from None
    result = _result(model, opts, monitors, stepper, ex, expect or {})
    live = select_liveness(model, opts.properties)
    if not live:
        return result
    from verifier.engine.liveness import check_liveness, inconclusive_results

    try:
        extra = check_liveness(model, live, opts, expect or {}, complete=ex.complete,
                               states=ex.states, stepper=stepper)
    except (KeyboardInterrupt, MemoryError) as e:  # the safety verdicts stand
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else "out of memory"
        extra = inconclusive_results(model, live, expect or {}, f"{why} during the liveness check")
        result = dataclasses.replace(result, complete=False, stop_reason=f"{why} (liveness check)")
    return dataclasses.replace(result, properties=result.properties + tuple(extra))


def _error_note(p: M.Property, state: sem.State) -> str | None:
    """Why an invariant fired when its condition has a run-time error there."""
    try:
        sem.evaluate(p.cond, state, {})
    except sem.EvalError as err:
        return f"its condition cannot be evaluated in the last state: {err.describe()}"
    return None


def _result(model: M.Model, opts: CheckOptions, monitors: tuple[M.Property, ...],
            stepper: Stepper, ex: Exploration, expect: dict[str, str]) -> R.CheckResult:
    props: list[R.PropertyResult] = []
    for i, p in enumerate(monitors):
        f = ex.found.get(i)
        trace = None
        note = None
        if f is not None:
            trace, last = replay(model, ex.path(f.sid))
            if not sem.fires(p, last):
                raise ReplayMismatch(f"replayed trace does not reach a state where {p.name} fires")
            note = _error_note(p, last)
        if p.kind == "invariant":
            verdict = R.VIOLATED if f else (R.HOLDS if ex.complete else R.INCONCLUSIVE)
        else:
            verdict = R.HOLDS if f else (R.VACUOUS if ex.complete else R.INCONCLUSIVE)
        props.append(R.PropertyResult(p.name, p.kind, verdict, trace, location(model, p.span),
                                      p.doc, expect.get(p.name), note))
    if opts.deadlock:
        trace = None
        if ex.deadlock is not None:
            trace, last = replay(model, ex.path(ex.deadlock.sid))
            if sem.successors(model, last):
                raise ReplayMismatch("replayed deadlock state has transitions")
        verdict = R.VIOLATED if trace else (R.HOLDS if ex.complete else R.INCONCLUSIVE)
        props.append(R.PropertyResult("Deadlock", R.DEADLOCK, verdict, trace, None,
                                      "some action is enabled in every reachable state",
                                      expect.get("Deadlock")))
    if ex.error is not None:
        assert ex.error.step is not None
        trace, _ = replay(model, ex.path(ex.error.sid), error_step=ex.error.step)
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME, R.VIOLATED, trace, None,
                                      "no run-time error (domains, map keys, division)",
                                      expect.get("RuntimeError")))
    elif "RuntimeError" in expect:  # an expectation is always answered, here "none found"
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME,
                                      R.HOLDS if ex.complete else R.INCONCLUSIVE, None, None,
                                      "no run-time error (domains, map keys, division)",
                                      expect["RuntimeError"]))
    coverage = tuple(R.ActionCoverage(a.name, a.fault, stepper.enabled[a.index],
                                      stepper.taken[a.index], location(model, a.span))
                     for a in model.actions)
    combos = tuple(sorted(tuple((c.name.removeprefix("faults."), v) for c, v in zip(model.counters, combo))
                          for combo in ex.fault_combos))
    links = ex.link_bytes
    stats = R.Stats(states=ex.states, transitions=ex.transitions, depth=ex.depth,
                    seconds=round(ex.seconds, 3), peak_memory_mb=round(_peak_mb(), 1),
                    bytes_per_state=round((ex.store_bytes + links) / max(1, ex.states), 1),
                    initial_states=int(ex.parents[0].size) if ex.parents else 0)
    # never-enabled actions and vacuous reachables are derived by reports from the data
    warnings: list[str] = []
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    return R.CheckResult(
        model=model.name, spec_path=model.path, engine="explicit",
        complete=ex.complete, stop_reason=ex.stop_reason, properties=tuple(props), stats=stats,
        coverage=coverage, fault_combinations=combos, constants=consts, warnings=tuple(warnings),
        vacuity_is_error=opts.vacuity_is_error)


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
