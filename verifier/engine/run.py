"""Stage 5 (explicit): ``run_check(model, options) -> CheckResult``.

Chooses a stepper (``verifier/engine/select.py``: compiled when the spec allows it, else
the reference semantics) and a store (packed when states fit in 63 bits), runs the
breadth-first search, checks the liveness properties on the graph it found, and turns
what it found into plain result data with replayed traces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verifier import results as R
from verifier.engine.explicit import Exploration, explore
from verifier.engine.options import CheckOptions
from verifier.engine.select import make_stepper, select_liveness, select_properties
from verifier.engine.stepper import Layout, ReferenceStepper, Stepper
from verifier.engine.store import PackedStore, SetStore
from verifier.engine.symmetry import Group, Lifter
from verifier.engine.symmetry import plan as plan_symmetry
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic
from verifier.lang.syntax import NOSPAN, Span

# a state's path: (its ordinals, the error step out of it) -> those of a real behaviour
Paths = Callable[..., tuple[list[int], tuple[int, int, str] | None]]


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
    stoppers = frozenset(i for i, p in enumerate(monitors) if p.kind == "invariant")
    live = select_liveness(model, opts.properties)
    group = plan_symmetry(model, live, opts)
    search = _search_kernel(model, monitors, opts, stoppers, group)
    lifter: Lifter | None = None
    if isinstance(search, _Searched):
        ex, coverage, backend, note, compile_s = search.ex, search.coverage, "kernel", search.search.note(), \
            search.compile_seconds
        stepper: Stepper | None = None
        symmetry = search.symmetry
        if search.group is not None:
            lifter = Lifter(model, search.group)
    else:
        note = search
        stepper = make_stepper(model, monitors, opts.compiled)
        backend = "reference" if isinstance(stepper, ReferenceStepper) else "python"
        if backend == "reference" and opts.compiled != "off":
            note = (note + "; " if note else "") + _python_note(model, monitors)
        ex = _search_python(model, monitors, opts, stoppers, stepper)
        coverage = (stepper.enabled, stepper.taken)
        compile_s = 0.0
        symmetry = _unreduced(model, group, "symmetry reduction needs the kernel engine, which did not "
                              "run: every state is stored")
    path = _paths(ex, lifter)
    result = _result(model, opts, monitors, coverage, ex, expect or {}, path)
    if isinstance(search, _Searched) and search.search.compacted:
        result = _compacted(result, search.search.miss_probability)
    result = dataclasses.replace(result, backend=backend, backend_note=note, symmetry=symmetry,
                                 stats=dataclasses.replace(result.stats, compile_seconds=round(compile_s, 3)))
    if not live:
        return result
    from verifier.engine.liveness import check_liveness, inconclusive_results

    try:
        graph = None
        if isinstance(search, _Searched) and search.search.edges_dropped and (
                ex.complete or search.search.compacted):
            raise _GraphOutgrew(search.search.edges_dropped)
        if isinstance(search, _Searched) and search.search.edges_kept:
            from verifier.engine.kernel.graph import KernelView, labelled_graph

            graph = labelled_graph(search.search)
            stepper = KernelView(search.search, search.conditions)  # type: ignore[assignment]
        lasso = None
        if lifter is not None:
            def lasso(ordinals: list[int], loop: int | None) -> tuple[list[int], int | None]:
                assert lifter is not None
                return lifter.lasso([int(ex.ordinals[0][ordinals[0]])] + ordinals[1:], loop)
        extra = check_liveness(model, live, opts, expect or {}, complete=ex.complete,
                               states=ex.states, stepper=stepper, graph=graph, lift=lasso)
    except _GraphOutgrew as e:
        extra = inconclusive_results(model, live, expect or {}, str(e))
    except (KeyboardInterrupt, MemoryError) as e:  # the safety verdicts stand
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else "out of memory"
        extra = inconclusive_results(model, live, expect or {}, f"{why} during the liveness check")
        result = dataclasses.replace(result, complete=False, stop_reason=f"{why} (liveness check)")
    return dataclasses.replace(result, properties=result.properties + tuple(extra))


def prefetch(model: M.Model, opts: CheckOptions) -> None:
    """Compile the model's kernel into the on-disk cache, for a later ``run_check`` of it
    (a command checking several models compiles the next one in a thread meanwhile; the
    search releases the interpreter). Anything that goes wrong is left for ``run_check``
    to report."""
    if opts.kernel == "off":
        return
    from verifier.engine import kernel as K

    if K.unavailable() is not None:
        return
    monitors = select_properties(model, opts.properties)
    live = select_liveness(model, opts.properties)
    group = plan_symmetry(model, live, opts)
    try:
        K.prepare(model, monitors, K.liveness_conditions(live),
                  group if isinstance(group, Group) else None)
    except Exception:  # noqa: BLE001 - run_check meets it again, and says so
        return


class _GraphOutgrew(Exception):
    """The kernel search stopped keeping the state graph: it outgrew the liveness check's memory."""


@dataclass(frozen=True)
class _Searched:
    ex: Exploration
    coverage: tuple[list[int], list[int]]
    compile_seconds: float
    search: Any        # the KernelSearch, for the liveness check's graph
    conditions: dict[M.Expr, int]
    group: Group | None = None        # the symmetry group it reduced by
    symmetry: R.Symmetry | None = None


def _unreduced(model: M.Model, group: Group | str | None, why: str) -> R.Symmetry | None:
    """The result's symmetry facts for a search that stored every state."""
    if not model.symmetric:
        return None
    note = group if isinstance(group, str) else why
    return R.Symmetry(tuple(e.name for e in model.symmetric), False, note=note if group is not None else
                      "no symmetric enum occurs in the state, so there is nothing to reduce")


def _paths(ex: Exploration, lifter: Lifter | None) -> Paths:
    """The ordinals from an initial state to a state, of a real behaviour."""
    def path(sid: int, error_step: tuple[int, int, str] | None = None
             ) -> tuple[list[int], tuple[int, int, str] | None]:
        ordinals = ex.path(sid)
        if lifter is None:
            return ordinals, error_step
        return lifter.path(ordinals, error_step)
    return path


def _search_kernel(model: M.Model, monitors: tuple[M.Property, ...], opts: CheckOptions,
                   stoppers: frozenset[int], group: Group | str | None = None) -> _Searched | str | None:
    """The search on the kernel engine, or why it does not apply (None: not asked for);
    reduced by the symmetry ``group`` when it is one."""
    wanted = [flag for flag, on in (("--hash-compaction", opts.hash_compaction),
                                    ("--checkpoint/--resume", opts.checkpoint_dir is not None),
                                    ("--store-memory", opts.store_mb is not None),
                                    ("--cluster", opts.cluster is not None)) if on]
    if opts.kernel == "off":
        if wanted:  # never quietly without what was asked for
            raise EngineError(f"{wanted[0]} needs the kernel engine, and the engine chosen is another",
                              f"leave out {wanted[0]}, or `--engine` (the kernel engine is the default)",
                              NOSPAN, "E121")
        return None
    from verifier.engine import kernel as K

    why = K.unavailable()
    prepared = None
    live = select_liveness(model, opts.properties)
    conds = K.liveness_conditions(live)
    if why is None and isinstance(group, Group):
        try:
            prepared = K.prepare(model, monitors, conds, group)
        except K.Unsupported as e:  # the canonical form, or the spec itself: try without
            group = f"symmetry reduction is not used: the kernel has no canonical form for it ({e}); " \
                    "every state is stored"
        except (OSError, MemoryError) as e:
            why = f"it could not start ({type(e).__name__}: {e})"
    if why is None and prepared is None:
        try:
            prepared = K.prepare(model, monitors, conds)
        except K.Unsupported as e:
            why = str(e)
        except (OSError, MemoryError) as e:  # e.g. LLVM's library cannot be loaded in the memory left
            why = f"it could not start ({type(e).__name__}: {e})"
    if prepared is None:
        if wanted:
            raise EngineError(f"{wanted[0]} needs the kernel engine, which cannot run this spec: {why}",
                              f"leave out {wanted[0]}, or rewrite the construct named", NOSPAN, "E121")
        if opts.kernel == "on":
            raise EngineError(f"the kernel engine cannot run this spec: {why}",
                              "leave out `--engine kernel` (the Python stepper runs it), or "
                              "rewrite the construct named", NOSPAN, "E121")
        return f"the kernel engine does not apply: {why}"
    from verifier.engine.kernel.checkpoint import CheckpointError
    from verifier.engine.kernel.search import KernelSearch

    reduced = group if isinstance(group, Group) else None
    canonical = None
    if reduced is not None:
        from verifier.engine.kernel.symmetry import canon_rows

        def canonical(rows: Any) -> Any:
            return canon_rows(prepared.kernel, rows)[0]  # type: ignore[union-attr]
    ks: Any
    try:
        if opts.cluster is not None:
            from verifier.engine.kernel.cluster import ClusterSearch

            ks = ClusterSearch(model, prepared, monitors, opts, record_edges=bool(live))
        else:
            ks = KernelSearch(model, prepared.kernel, prepared.layout, monitors, opts,  # type: ignore[arg-type]
                              record_edges=bool(live), digest=prepared.digest, canonical=canonical,
                              source=prepared.source)
        ex = ks.explore(stoppers)
    except sem.EvalError as err:
        raise EngineError(f"run-time error while computing the initial states: {err.message}",
                          "fix the `var` initial values or `init` conditions", err.span,
                          "E120") from None
    except CheckpointError as err:  # E130, or a ClusterError (E131)
        raise EngineError(err.message, err.hint, NOSPAN, err.code) from None
    coverage = ([int(x) for x in ks.enabled[:len(model.actions)]],
                [int(x) for x in ks.taken[:len(model.actions)]])
    if reduced is None:
        symmetry = _unreduced(model, group, "")
    else:
        from verifier.engine.kernel.symmetry import represented

        # after a spill to disk the states are no longer all in memory: not counted (0)
        count = 0 if getattr(ks, "level", None) is not None else \
            represented(prepared.kernel, ks.arr.S, ex.states, reduced)
        symmetry = R.Symmetry(tuple(e.name for e in reduced.enums), True, reduced.method, reduced.size,
                              count)
    return _Searched(ex, coverage, prepared.compile_seconds, ks, prepared.conditions, reduced, symmetry)


def _compacted(result: R.CheckResult, p: float | None) -> R.CheckResult:
    """Hash compaction: what was not found violated may still be, in a missed state."""
    why = (f"no violation among the states explored, but hash compaction may have missed states "
           f"(probability at most {p or 0:.1e}); check without --hash-compaction for an exact answer")
    props = tuple(dataclasses.replace(q, note=q.note or why) if q.verdict == R.INCONCLUSIVE else q
                  for q in result.properties)
    return dataclasses.replace(result, properties=props)


def _search_python(model: M.Model, monitors: tuple[M.Property, ...], opts: CheckOptions,
                   stoppers: frozenset[int], stepper: Stepper) -> Exploration:
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
    try:
        return explore(stepper, store, opts, len(monitors), counter_fields, stoppers)
    except sem.EvalError as err:
        raise EngineError(f"run-time error while computing the initial states: {err.message}",
                          "fix the `var` initial values or `init` conditions", err.span,
                          "E120") from None


def _python_note(model: M.Model, monitors: tuple[M.Property, ...]) -> str:
    from verifier.engine.codegen import Unsupported, compile_stepper

    try:
        compile_stepper(model, monitors)
    except Unsupported as e:
        return f"the Python code generator does not apply: {e}"
    return "the Python code generator does not apply"


def _error_note(p: M.Property, state: sem.State) -> str | None:
    """Why an invariant fired when its condition has a run-time error there."""
    try:
        sem.evaluate(p.cond, state, {})
    except sem.EvalError as err:
        return f"its condition cannot be evaluated in the last state: {err.describe()}"
    return None


def _result(model: M.Model, opts: CheckOptions, monitors: tuple[M.Property, ...],
            counts: tuple[list[int], list[int]], ex: Exploration, expect: dict[str, str],
            path: Paths) -> R.CheckResult:
    props: list[R.PropertyResult] = []
    for i, p in enumerate(monitors):
        f = ex.found.get(i)
        trace = None
        note = None
        if f is not None:
            trace, last = replay(model, path(f.sid)[0])
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
            trace, last = replay(model, path(ex.deadlock.sid)[0])
            if sem.successors(model, last):
                raise ReplayMismatch("replayed deadlock state has transitions")
        verdict = R.VIOLATED if trace else (R.HOLDS if ex.complete else R.INCONCLUSIVE)
        props.append(R.PropertyResult("Deadlock", R.DEADLOCK, verdict, trace, None,
                                      "some action is enabled in every reachable state",
                                      expect.get("Deadlock")))
    if ex.error is not None:
        assert ex.error.step is not None
        ordinals, step = path(ex.error.sid, ex.error.step)
        trace, _ = replay(model, ordinals, error_step=step)
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME, R.VIOLATED, trace, None,
                                      "no run-time error (domains, map keys, division)",
                                      expect.get("RuntimeError")))
    elif "RuntimeError" in expect:  # an expectation is always answered, here "none found"
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME,
                                      R.HOLDS if ex.complete else R.INCONCLUSIVE, None, None,
                                      "no run-time error (domains, map keys, division)",
                                      expect["RuntimeError"]))
    enabled, taken = counts
    coverage = tuple(R.ActionCoverage(a.name, a.fault, enabled[a.index],
                                      taken[a.index], location(model, a.span))
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
