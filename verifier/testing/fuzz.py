"""Random search with shrinking, the engine of ``verifier fuzz``, for models too large to explore.

An engine like the explicit one, but instead of every state it walks random
behaviours drawn by ``verifier.testing.strategies`` under Hypothesis, stops at the first
violated invariant or run-time error, and lets Hypothesis shrink that behaviour to a
short one with few faults. The result is a plain ``CheckResult`` (engine ``fuzz``)
that goes through the same reports as any other. A run is reproducible from its seed
(printed with the result): the same model, seed and options give the same
counterexample, unless ``--time-limit`` cut the run short.

Nothing found is inconclusive, since a random search proves nothing. The command, its
flags and exit codes are in ``verifier/cli/fuzz.py``.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from verifier import results as R
from verifier.engine.stepper import ERROR
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.testing.strategies import (
    Behaviour,
    Draw,
    Walker,
    action_slots,
    below,
    fallback_order,
    instance_transitions,
)

__all__ = ["FuzzOptions", "fuzz", "polish", "recheck"]


@dataclass(frozen=True, slots=True)
class FuzzOptions:
    """Options of a fuzzing run (one frozen object, like ``CheckOptions``)."""

    seed: int
    examples: int = 200           # behaviours to try before giving up
    max_steps: int = 50           # steps per behaviour
    fault_rate: float = 0.25      # chance that a step tries a fault action first
    properties: tuple[str, ...] | None = None  # None: every invariant and reachable
    max_seconds: float | None = None           # stop searching (not shrinking) after this
    shrink: bool = True
    compiled: str = "auto"   # walk compiled code when the compiler supports the spec; "off", "on"


class _Found(Exception):
    """Raised inside the Hypothesis test to report a failing walk."""

    def __init__(self, walk: Any, prop: str | None) -> None:
        super().__init__(prop or "run-time error")
        self.walk = walk
        self.prop = prop          # the violated invariant's name; None for a run-time error


@dataclass
class _Run:
    """What the search saw, for the result's statistics and notes."""

    examples: int = 0
    longest: int = 0
    first: tuple[int, int] | None = None   # (steps, faults) of the first find, before shrinking
    target: str | None = None          # the property (or "RuntimeError") being shrunk
    searching_until: float | None = None


class _Backend(Protocol):
    """How the fuzzer walks a model: by the reference semantics or by compiled code."""

    @property
    def initial_count(self) -> int: ...

    @property
    def steps(self) -> int: ...

    @property
    def distinct_states(self) -> int: ...

    def walk(self, draw: Draw, max_steps: int) -> Any:
        """A walk that stops at the first violated invariant or run-time error."""

    def length(self, walk: Any) -> int: ...

    def faults(self, walk: Any) -> int: ...

    def outcome(self, walk: Any) -> str | None:
        """The violated invariant's name, "RuntimeError", or None."""

    def witnesses(self, walk: Any, names: set[str]) -> dict[str, int]:
        """For each reachable in ``names`` true somewhere on the walk, the first step."""

    def behaviour(self, walk: Any) -> Behaviour: ...


class _Reference:
    """Walks with ``strategies.Walker`` over the reference semantics."""

    def __init__(self, model: M.Model, invariants: list[M.Property],
                 reachables: list[M.Property], fault_rate: float) -> None:
        self.walker = Walker(model, fault_rate=fault_rate)
        self.invariants, self.reachables = invariants, reachables
        self.initial_count = len(self.walker.initial)
        self._verdicts: dict[sem.State, str | None] = {}

    @property
    def steps(self) -> int:
        return self.walker.steps

    @property
    def distinct_states(self) -> int:
        return self.walker.distinct_states

    def violated(self, state: sem.State) -> str | None:
        if state not in self._verdicts:
            self._verdicts[state] = next(
                (p.name for p in self.invariants if not sem.holds(p, state)), None)
        return self._verdicts[state]

    def walk(self, draw: Draw, max_steps: int) -> Behaviour:
        return self.walker.walk(draw, max_steps, variable_length=False,
                                until=lambda s: self.violated(s) is not None)

    def length(self, walk: Behaviour) -> int:
        return len(walk)

    def faults(self, walk: Behaviour) -> int:
        return walk.faults

    def outcome(self, walk: Behaviour) -> str | None:
        return "RuntimeError" if walk.error is not None else self.violated(walk.last_state)

    def witnesses(self, walk: Behaviour, names: set[str]) -> dict[str, int]:
        out = {}
        for p in self.reachables:
            if p.name in names:
                hit = next((i for i, s in enumerate(walk.states) if sem.holds(p, s)), None)
                if hit is not None:
                    out[p.name] = hit
        return out

    def behaviour(self, walk: Behaviour) -> Behaviour:
        return walk


@dataclass(frozen=True, slots=True)
class _Path:
    """A compiled walk: ordinals as the engines store traces, and the packed states."""

    ordinals: tuple[int, ...]        # the initial state's index, then one per step
    states: tuple[int, ...]
    faults: int = 0
    error: int | None = None         # the ordinal of a final run-time error transition


class _Compiled:
    """Walks over the compiled successor code (``verifier/engine/codegen/``): whole states are
    expanded at once, tens of times faster than the reference semantics on models like
    HAL with 12 members. The draws mirror ``Walker``'s (action from the same slot table,
    then a transition of that action); the walk found is rebuilt, and so re-checked, by
    the reference semantics."""

    def __init__(self, model: M.Model, invariants: list[M.Property],
                 reachables: list[M.Property], fault_rate: float) -> None:
        from verifier.engine.codegen import compile_stepper

        self.model = model
        self.props = (*invariants, *reachables)
        self.n_inv = len(invariants)
        self.stepper = compile_stepper(model, self.props)
        self.initial = self.stepper.initial()
        if not self.initial:
            raise ValueError(f"the model {model.name} has no initial state: nothing to draw")
        self.initial_count = len(self.initial)
        self.slots, self.groups = action_slots(model, fault_rate)
        self.n_actions = len(model.actions)
        self.steps = 0
        self._succ: dict[int, tuple[list[int], list[int], list[int]]] = {}
        self._fired: dict[int, list[int]] = {}
        self._seen = 0

    @property
    def distinct_states(self) -> int:
        return self._seen + len(self._succ)

    def successors(self, s: int) -> tuple[list[int], list[int], list[int]]:
        """Targets (``ERROR`` for an error), and per action the first ordinal and count."""
        hit = self._succ.get(s)
        if hit is None:
            if len(self._succ) >= 400_000:
                self._seen += len(self._succ)
                self._succ.clear()
                self._fired.clear()
            before = list(self.stepper.taken)
            out: list[int] = []
            self.stepper.expand_level([s], out, [], [], [])
            counts = [a - b for a, b in zip(self.stepper.taken, before)]
            starts, at = [], 0
            for n in counts:
                starts.append(at)
                at += n
            hit = self._succ[s] = (out, starts, counts)
        return hit

    def fired(self, s: int) -> list[int]:
        hit = self._fired.get(s)
        if hit is None:
            found = self.stepper.scan([s], list(range(len(self.props))))
            hit = self._fired[s] = found[0][1] if found else []
        return hit

    def violated(self, s: int) -> int | None:
        return next((i for i in self.fired(s) if i < self.n_inv), None)

    def walk(self, draw: Draw, max_steps: int) -> _Path:
        index = draw(below(len(self.initial))) if len(self.initial) > 1 else 0
        s = self.initial[index]
        ordinals, states = [index], [s]
        faults = 0
        while len(states) <= max_steps and self.violated(s) is None and self.slots:
            out, starts, counts = self.successors(s)
            first = self.slots[draw(below(len(self.slots)))]
            pick = None
            for action in fallback_order(self.groups, first):
                n = counts[action]
                if n:
                    pick = starts[action] + (draw(below(n)) if n > 1 else 0)
                    faults += self.model.actions[action].fault
                    break
            if pick is None:
                break  # a deadlock, or a state outside the constraints
            self.steps += 1
            if out[pick] == ERROR:
                return _Path(tuple(ordinals), tuple(states), faults, pick)
            s = out[pick]
            ordinals.append(pick)
            states.append(s)
        return _Path(tuple(ordinals), tuple(states), faults)

    def length(self, walk: _Path) -> int:
        return len(walk.ordinals) - 1 + (walk.error is not None)

    def faults(self, walk: _Path) -> int:
        return walk.faults

    def outcome(self, walk: _Path) -> str | None:
        if walk.error is not None:
            return "RuntimeError"
        i = self.violated(walk.states[-1])
        return None if i is None else self.props[i].name

    def witnesses(self, walk: _Path, names: set[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for k, s in enumerate(walk.states):
            for i in self.fired(s):
                name = self.props[i].name
                if i >= self.n_inv and name in names and name not in out:
                    out[name] = k
        return out

    def behaviour(self, walk: _Path) -> Behaviour:
        return Behaviour.from_ordinals(self.model, walk.ordinals, walk.error)


def _backend(model: M.Model, opts: FuzzOptions, invariants: list[M.Property],
             reachables: list[M.Property]) -> _Backend:
    if opts.compiled != "off":
        from verifier.engine.codegen import Unsupported

        try:
            return _Compiled(model, invariants, reachables, opts.fault_rate)
        except Unsupported:
            if opts.compiled == "on":
                raise
    return _Reference(model, invariants, reachables, opts.fault_rate)


def fuzz(model: M.Model, opts: FuzzOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    """Search ``model`` with random behaviours; the result holds at most one violation,
    shrunk, and the other invariants inconclusive. Raises ``ValueError`` when the model
    cannot be walked (no initial state)."""
    from verifier.engine import select_properties

    monitors = select_properties(model, opts.properties)
    invariants = [p for p in monitors if p.kind == "invariant"]
    reachables = [p for p in monitors if p.kind == "reachable"]
    t0 = time.perf_counter()
    backend = _backend(model, opts, invariants, reachables)
    witnesses: dict[str, tuple[Any, int]] = {}   # reachable -> (walk, first step true)
    run = _Run()
    if opts.max_seconds is not None:
        run.searching_until = t0 + opts.max_seconds

    @st.composite
    def draw_walk(draw: st.DrawFn) -> Any:
        # Out of time: draw nothing, so Hypothesis soon runs out of new examples. Never
        # once a failure is being shrunk, or the minimal example would not replay.
        if run.target is None and run.searching_until is not None and (
                time.perf_counter() > run.searching_until):
            return None
        return backend.walk(draw, opts.max_steps)

    phases = (Phase.generate, Phase.shrink) if opts.shrink else (Phase.generate,)

    @seed(opts.seed)
    @settings(database=None, max_examples=opts.examples, deadline=None, derandomize=False,
              phases=phases, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              report_multiple_bugs=False)
    @given(draw_walk())
    def search(walk: Any) -> None:
        if walk is None:
            return
        n = backend.length(walk)
        if run.target is None:
            run.examples += 1
            run.longest = max(run.longest, n)
            missing = {p.name for p in reachables} - set(witnesses)
            if missing:
                for reached, k in backend.witnesses(walk, missing).items():
                    witnesses[reached] = (walk, k)  # rebuilt only for the report
        name = backend.outcome(walk)
        if name is None or run.target not in (None, name):
            return
        if run.target is None:
            run.target = name
            run.first = (n, backend.faults(walk))
        raise _Found(walk, None if name == "RuntimeError" else name)

    found: tuple[Behaviour, str | None] | None = None
    try:
        search()
    except _Found as f:
        found = (backend.behaviour(f.walk), f.prop)
    if found is not None:
        recheck(model, found[0], found[1], invariants)
        if opts.shrink:
            found = (polish(model, found[0], found[1], invariants), found[1])
    seconds = time.perf_counter() - t0
    shown = {name: backend.behaviour(w).prefix(k) for name, (w, k) in witnesses.items()}
    return _result(model, opts, monitors, found, shown, run, backend, seconds, expect or {})


def polish(model: M.Model, b: Behaviour, prop: str | None,
           invariants: list[M.Property]) -> Behaviour:
    """Delete single steps while the violation remains (Hypothesis may stop in a local
    minimum of its choice sequence; this makes the trace 1-minimal); ``prop`` None keeps
    the final run-time error instead. Also the last pass of ``verifier simulate``. Each candidate is
    replayed action by action through the reference semantics, which is cheap for a
    short trace."""
    target = next((p for p in invariants if p.name == prop), None)

    def bad(state: sem.State) -> bool:
        return target is not None and not sem.holds(target, state)

    def replay(steps: list[tuple[int, tuple[Any, ...], int]]) -> Behaviour | None:
        state = b.states[0]
        states, transitions = [state], []
        for action, params, branch in steps:
            if bad(state):
                break
            trs = instance_transitions(model, state, model.actions[action], params)
            if not trs:
                return None
            tr = trs[min(branch, len(trs) - 1)]
            transitions.append(tr)
            if tr.target is None:
                return Behaviour(model, b.initial_index, tuple(states), tuple(transitions))
            state = tr.target
            states.append(state)
        c = Behaviour(model, b.initial_index, tuple(states), tuple(transitions))
        return c if bad(state) else None

    def steps_of(c: Behaviour) -> list[tuple[int, tuple[Any, ...], int]]:
        out = []
        for state, tr in zip(c.states, c.transitions):
            trs = instance_transitions(model, state, model.actions[tr.action], tr.params)
            out.append((tr.action, tr.params, trs.index(tr) if tr.error is None else len(trs) - 1))
        return out

    steps = steps_of(b)
    i = 0
    while i < len(steps):
        c = replay(steps[:i] + steps[i + 1:])
        ok = c is not None and (c.error is not None if target is None else c.error is None)
        if ok and c is not None:
            b, steps = c, steps_of(c)
        else:
            i += 1
    return b


def recheck(model: M.Model, b: Behaviour, prop: str | None, invariants: list[M.Property]) -> None:
    """The find, rebuilt by the reference semantics, must show the same violation."""
    from verifier.engine.trace import ReplayMismatch

    if prop is None:
        if b.error is None:
            raise ReplayMismatch("the reference semantics finds no run-time error at the end of the walk")
        return
    p = next(p for p in invariants if p.name == prop)
    if sem.holds(p, b.last_state):
        raise ReplayMismatch(f"replayed walk does not reach a state where {prop} is false")


def _result(model: M.Model, opts: FuzzOptions, monitors: tuple[M.Property, ...],
            found: tuple[Behaviour, str | None] | None, witnesses: dict[str, Behaviour],
            run: _Run, backend: _Backend, seconds: float, expect: dict[str, str]) -> R.CheckResult:
    from verifier.engine.trace import location

    searched = f"not violated in {run.examples:,} random behaviours of up to {opts.max_steps} steps"
    props: list[R.PropertyResult] = []
    for p in monitors:
        verdict, trace, note = R.INCONCLUSIVE, None, searched
        if p.kind == "reachable":
            note = f"not reached in {run.examples:,} random behaviours"
            w = witnesses.get(p.name)
            if w is not None:
                verdict, trace, note = R.HOLDS, w.trace(), "witness from a random behaviour (not shrunk)"
        elif found is not None and found[1] == p.name:
            verdict, trace, note = R.VIOLATED, found[0].trace(), _shrink_note(run, found[0])
        props.append(R.PropertyResult(p.name, p.kind, verdict, trace, location(model, p.span),
                                      p.doc, expect.get(p.name), note))
    if found is not None and found[1] is None:
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME, R.VIOLATED, found[0].trace(),
                                      None, "no run-time error (domains, map keys, division)",
                                      expect.get("RuntimeError"), _shrink_note(run, found[0])))
    if found is not None:
        stop = f"stopped at the first violation (seed {opts.seed})"
    else:
        stop = (f"random search: {run.examples:,} behaviours of up to {opts.max_steps} steps "
                f"(seed {opts.seed}); a random search proves nothing")
        if opts.max_seconds is not None and run.examples < opts.examples:
            stop += f"; time limit ({opts.max_seconds:g} s)"
    stats = R.Stats(states=backend.distinct_states, transitions=backend.steps, depth=run.longest,
                    seconds=round(seconds, 3), initial_states=backend.initial_count,
                    peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    return R.CheckResult(model=model.name, spec_path=model.path, engine="fuzz", complete=False,
                         stop_reason=stop, properties=tuple(props), stats=stats, constants=consts)


def _shrink_note(run: _Run, b: Behaviour) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    shrunk = f"{plural(len(b), 'step')}, {plural(b.faults, 'fault')}"
    if run.first is None or run.first == (len(b), b.faults):
        return f"found by random search: {shrunk}"
    return f"shrunk from {plural(run.first[0], 'step')} and {plural(run.first[1], 'fault')} to {shrunk}"
