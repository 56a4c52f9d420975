"""Random simulation, the engine of ``verifier simulate``: seeded random walks for models too
large to exhaust.

Each run starts in a random initial state and takes up to ``depth`` random steps through a
``Stepper`` (the compiled successor code when the spec allows it, else the reference
semantics: both give the same transitions in the same order, so a seed gives the same
walks on either). A step picks a fault action with probability ``fault_rate`` when one is
enabled, then an enabled action uniformly, then one of its transitions uniformly. Every
state a walk enters is checked against the invariants (and the reachables, for
witnesses); a walk ends at a violation, a run-time error, a deadlock, a state outside the
spec's ``constraint``s, or its depth.

Shrinking: every transition the walks took is kept as a graph; a violation's
counterexample is the path with the fewest steps, then the fewest faults, in that graph
from an initial state to a state that violates the same invariant (random walks cross
each other often, so this is usually far shorter than the walk that found it); then the
fuzzer's ``polish`` (``verifier/testing/fuzz.py``) deletes single steps while the
violation remains, through the reference semantics, which also re-checks the find.

Nothing found is a *clean* simulation: every invariant is inconclusive with a note that
says how many walks and distinct states saw it hold, never "holds". The result is a plain
``CheckResult`` (engine ``simulate``) for the usual report writers.
"""

from __future__ import annotations

import heapq
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verifier import results as R
from verifier.engine import make_stepper, select_properties
from verifier.engine.stepper import ERROR, Stepper
from verifier.engine.trace import location
from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.testing.fuzz import polish, recheck
from verifier.testing.strategies import Behaviour

__all__ = ["SimulateOptions", "simulate"]

RUNTIME_ERROR = "RuntimeError"
MAX_GRAPH_EDGES = 2_000_000   # edges kept for shrinking; later walks add only what they found
MAX_CACHED = 400_000          # expanded states kept; the cache is dropped past this
SHRINK_BUDGET = 50_000        # states the breadth-first shrinking pass may expand


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """Options of a simulation (one frozen object, like ``CheckOptions``)."""

    seed: int
    runs: int = 100               # random walks
    depth: int = 50               # steps per walk at most
    fault_rate: float = 0.25      # chance that a step takes a fault action when one is enabled
    properties: tuple[str, ...] | None = None  # None: every invariant and reachable
    max_seconds: float | None = None           # stop starting new walks after this
    shrink: bool = True
    stop_at_first: bool = False   # stop after the first walk that violates an invariant
    compiled: str = "auto"        # "auto", "on" or "off" (the reference semantics)


@dataclass
class _Expanded:
    targets: list[Any]            # per transition ordinal: the target, or ERROR
    starts: list[int]             # per action: its first ordinal
    counts: list[int]             # per action: its number of transitions
    errors: dict[int, str]        # ordinal -> run-time error message
    skipped: bool                 # outside a constraint: not expanded


@dataclass
class _Find:
    """The first walk that showed a property: its ordinals up to the state (or the error)."""

    run: int
    ordinals: list[int]
    faults: int
    error: int | None = None      # the ordinal of the final error transition
    message: str = ""


@dataclass
class _Walks:
    """What the simulation saw."""

    stepper: Stepper
    initial: list[Any]
    fault_of: list[bool]
    cache: dict[Any, _Expanded] = field(default_factory=dict)
    fired: dict[Any, tuple[int, ...]] = field(default_factory=dict)
    seen: set[Any] = field(default_factory=set)
    edges: dict[Any, dict[int, tuple[Any, bool]]] = field(default_factory=dict)  # s -> o -> (t, fault)
    enabled: list[int] = field(default_factory=list)     # per action: expanded states enabling it
    taken: list[int] = field(default_factory=list)       # per action: steps the walks took
    n_edges: int = 0
    steps: int = 0
    runs: int = 0
    longest: int = 0
    deadlocks: int = 0
    finds: dict[int, _Find] = field(default_factory=dict)   # monitor index (-1: error) -> find

    def expand(self, s: Any) -> _Expanded:
        hit = self.cache.get(s)
        if hit is None:
            if len(self.cache) >= MAX_CACHED:
                self.cache.clear()
            st = self.stepper
            before = list(st.taken)
            out: list[Any] = []
            errs: list[tuple[int, int, str]] = []
            skipped: list[int] = []
            st.expand_level([s], out, [], errs, skipped)
            counts = [a - b for a, b in zip(st.taken, before)]
            starts, at = [], 0
            for n in counts:
                starts.append(at)
                at += n
            hit = _Expanded(out, starts, counts, {pos: msg for pos, _, msg in errs}, bool(skipped))
            for a, n in enumerate(counts):
                self.enabled[a] += n > 0
            self.cache[s] = hit
        return hit

    def monitors(self, s: Any, indices: list[int]) -> tuple[int, ...]:
        hit = self.fired.get(s)
        if hit is None:
            found = self.stepper.scan([s], indices)
            hit = tuple(found[0][1]) if found else ()
            if len(self.fired) >= MAX_CACHED:
                self.fired.clear()
            self.fired[s] = hit
        return hit


def simulate(model: M.Model, opts: SimulateOptions, *,
             expect: dict[str, str] | None = None) -> R.CheckResult:
    """Random walks over ``model``; each violated invariant (and a run-time error) gets its
    shrunk counterexample, each reachable seen a witness, the rest are inconclusive.
    Raises ``ValueError`` when the model has no initial state."""
    t0 = time.perf_counter()
    monitors = select_properties(model, opts.properties)
    stepper = make_stepper(model, monitors, opts.compiled)
    initial = stepper.initial()
    if not initial:
        raise ValueError(f"the model {model.name} has no initial state: nothing to walk")
    n = len(model.actions)
    w = _Walks(stepper, initial, [a.fault for a in model.actions], enabled=[0] * n, taken=[0] * n)
    indices = list(range(len(monitors)))
    invariant = [p.kind == "invariant" for p in monitors]
    rng = random.Random(opts.seed)
    deadline = None if opts.max_seconds is None else t0 + opts.max_seconds
    timed_out = False
    for run in range(opts.runs):
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            break
        violated = _walk(w, run, rng, opts, indices, invariant)
        w.runs += 1
        if violated and opts.stop_at_first:
            break
    traces: dict[int, tuple[R.Trace, str]] = {}
    for i, find in w.finds.items():
        traces[i] = _shrunk(model, w, monitors, i, find, opts.shrink)
    seconds = time.perf_counter() - t0
    return _result(model, opts, monitors, w, traces, seconds, timed_out, expect or {})


def _walk(w: _Walks, run: int, rng: random.Random, opts: SimulateOptions, indices: list[int],
          invariant: list[bool]) -> bool:
    """One random walk; True when it violated an invariant or hit a run-time error."""
    index = rng.randrange(len(w.initial))
    s = w.initial[index]
    ordinals = [index]
    path: list[tuple[Any, int, Any, bool]] = []
    faults = 0
    found_new = False
    violated = False
    while True:
        w.seen.add(s)
        fired = w.monitors(s, indices)
        for i in fired:
            if i not in w.finds:
                w.finds[i] = _Find(run, list(ordinals), faults)
                found_new = True
        if any(invariant[i] for i in fired):
            violated = True
            break
        if len(ordinals) > opts.depth:
            break
        ex = w.expand(s)
        if ex.skipped:
            break
        pick = _choose(ex, w.fault_of, rng, opts.fault_rate)
        if pick is None:
            w.deadlocks += 1
            break
        w.steps += 1
        action = _action_of(ex, pick)
        w.taken[action] += 1
        fault = w.fault_of[action]
        faults += fault
        t = ex.targets[pick]
        if t == ERROR:
            if -1 not in w.finds:
                w.finds[-1] = _Find(run, list(ordinals), faults, pick, ex.errors.get(pick, ""))
                found_new = True
            violated = True
            break
        path.append((s, pick, t, fault))
        ordinals.append(pick)
        s = t
    w.longest = max(w.longest, len(ordinals) - 1)
    if w.n_edges < MAX_GRAPH_EDGES or found_new:
        for a, o, b, fault in path:
            out = w.edges.setdefault(a, {})
            if o not in out:
                out[o] = (b, fault)
                w.n_edges += 1
    return violated


def _choose(ex: _Expanded, fault_of: list[bool], rng: random.Random, fault_rate: float) -> int | None:
    """A random transition ordinal: a fault group with probability ``fault_rate`` (when
    both groups are enabled), an action of the group, a transition of the action."""
    normal = [a for a, n in enumerate(ex.counts) if n and not fault_of[a]]
    faulty = [a for a, n in enumerate(ex.counts) if n and fault_of[a]]
    if not normal and not faulty:
        return None
    if faulty and fault_rate > 0 and (not normal or rng.random() < fault_rate):
        group = faulty
    else:
        group = normal or faulty
    a = group[rng.randrange(len(group))] if len(group) > 1 else group[0]
    n = ex.counts[a]
    return ex.starts[a] + (rng.randrange(n) if n > 1 else 0)


def _action_of(ex: _Expanded, ordinal: int) -> int:
    for a, (start, n) in enumerate(zip(ex.starts, ex.counts)):
        if start <= ordinal < start + n:
            return a
    raise AssertionError("an ordinal outside the state's transitions")


def _shortest(w: _Walks, goal: Callable[[Any], bool]) -> list[int] | None:
    """The ordinals (the initial state's index first) of the path with the fewest steps,
    then faults, through the walks' graph from an initial state to a state where ``goal``
    holds (Dijkstra on (steps, faults); ties go to the edge seen first)."""
    heap: list[tuple[int, int, int, Any, Any, int]] = []
    for index, s in enumerate(w.initial):
        heap.append((0, 0, len(heap), s, None, index))
    heapq.heapify(heap)
    parent: dict[Any, tuple[Any, int]] = {}   # state -> (previous state or None, ordinal or index)
    order = len(heap)
    while heap:
        steps, faults, _, s, prev, o = heapq.heappop(heap)
        if s in parent:
            continue
        parent[s] = (prev, o)
        if goal(s):
            path: list[int] = []
            at: Any = s
            while True:
                before, ordinal = parent[at]
                path.append(ordinal)
                if before is None:
                    return path[::-1]
                at = before
        for ordinal, (t, fault) in w.edges.get(s, {}).items():
            if t not in parent:
                heapq.heappush(heap, (steps + 1, faults + fault, order, t, s, ordinal))
                order += 1
    return None


def _breadth_first(w: _Walks, goal: Callable[[Any], bool], max_depth: int) -> list[int] | None:
    """A path of at most ``max_depth`` steps to a state where ``goal`` holds, with the
    fewest steps and then the fewest faults, by breadth-first search from the initial
    states; None when there is none or the search would expand more than
    ``SHRINK_BUDGET`` states (on a large model only the walks' graph shrinks)."""
    # per state: (faults, previous state or None, ordinal or initial index)
    best: dict[Any, tuple[int, Any, int]] = {}
    level: list[Any] = []
    for index, s in enumerate(w.initial):
        if s not in best:
            best[s] = (0, None, index)
            level.append(s)
    expanded = 0
    for _ in range(max_depth + 1):
        hits = [s for s in level if goal(s)]
        if hits:
            end = min(hits, key=lambda s: best[s][0])
            path: list[int] = []
            at: Any = end
            while True:
                _, before, ordinal = best[at]
                path.append(ordinal)
                if before is None:
                    return path[::-1]
                at = before
        if not level or expanded + len(level) > SHRINK_BUDGET:
            return None
        found: dict[Any, tuple[int, Any, int]] = {}
        for s in level:
            expanded += 1
            ex = w.expand(s)
            if ex.skipped:
                continue
            for a, (start, n) in enumerate(zip(ex.starts, ex.counts)):
                for o in range(start, start + n):
                    t = ex.targets[o]
                    if t == ERROR or t in best:
                        continue
                    cost = best[s][0] + w.fault_of[a]
                    if t not in found or cost < found[t][0]:
                        found[t] = (cost, s, o)
        best.update(found)
        level = list(found)
    return None


def _shrunk(model: M.Model, w: _Walks, monitors: tuple[M.Property, ...], i: int, find: _Find,
            shrink: bool) -> tuple[R.Trace, str]:
    """The trace of a find (shrunk unless ``shrink`` is off) and a note on its size."""
    invariants = [p for p in monitors if p.kind == "invariant"]
    prop = None if i < 0 else monitors[i]
    b = Behaviour.from_ordinals(model, find.ordinals, find.error)
    found = (len(b), b.faults)
    if shrink:
        if i >= 0:
            every = list(range(len(monitors)))
            best = _shortest(w, lambda s: i in w.monitors(s, every))
            if best is not None and len(best) - 1 <= len(b):
                b = Behaviour.from_ordinals(model, best)
            shorter = _breadth_first(w, lambda s: i in w.monitors(s, every), len(b) - 1)
            if shorter is not None:
                b = Behaviour.from_ordinals(model, shorter)
        if prop is None or prop.kind == "invariant":
            name = None if prop is None else prop.name
            recheck(model, b, name, invariants)
            b = polish(model, b, name, invariants)
    if prop is None or prop.kind == "invariant":
        recheck(model, b, None if prop is None else prop.name, invariants)
    note = _size_note(find.run, found, (len(b), b.faults), shrink)
    return b.trace(), note


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def _size_note(run: int, found: tuple[int, int], now: tuple[int, int], shrink: bool) -> str:
    where = f"found by random walk {run + 1}"
    size = f"{_plural(now[0], 'step')}, {_plural(now[1], 'fault')}"
    if not shrink or found == now:
        return f"{where}: {size}"
    return (f"{where} after {_plural(found[0], 'step')} and {_plural(found[1], 'fault')}, "
            f"shrunk to {size}")


def _result(model: M.Model, opts: SimulateOptions, monitors: tuple[M.Property, ...], w: _Walks,
            traces: dict[int, tuple[R.Trace, str]], seconds: float, timed_out: bool,
            expect: dict[str, str]) -> R.CheckResult:
    walks = f"{_plural(w.runs, 'random walk')} of up to {_plural(opts.depth, 'step')}"
    seen = f"{len(w.seen):,} distinct states"
    props: list[R.PropertyResult] = []
    for i, p in enumerate(monitors):
        verdict, trace, note = R.INCONCLUSIVE, None, f"not violated in {walks} ({seen}): not a proof"
        if p.kind == "reachable":
            note = f"not reached in {walks}"
        if i in traces:
            trace, note = traces[i]
            verdict = R.VIOLATED if p.kind == "invariant" else R.HOLDS
            if p.kind == "reachable":
                note = f"witness {note}"
        props.append(R.PropertyResult(p.name, p.kind, verdict, trace, location(model, p.span),
                                      p.doc, expect.get(p.name), note))
    if -1 in traces:
        trace, note = traces[-1]
        props.append(R.PropertyResult(RUNTIME_ERROR, R.RUNTIME, R.VIOLATED, trace, None,
                                      "no run-time error (domains, map keys, division)",
                                      expect.get(RUNTIME_ERROR), note))
    violated = any(p.verdict == R.VIOLATED for p in props)
    stop = f"simulation: {walks}, seed {opts.seed}; {seen}"
    if not violated:
        stop += "; clean (no invariant violated), which proves nothing"
    if timed_out:
        stop += f"; time limit ({opts.max_seconds:g} s) after {w.runs:,} of {opts.runs:,} walks"
    elif opts.stop_at_first and violated and w.runs < opts.runs:
        stop += f"; stopped at the first violation (walk {w.runs:,})"
    warnings: tuple[str, ...] = ()
    if w.deadlocks:
        warnings = (f"{_plural(w.deadlocks, 'walk')} ended in a state with no enabled action "
                    "(a deadlock, or every fault cap used up)",)
    stats = R.Stats(states=len(w.seen), transitions=w.steps, depth=w.longest,
                    seconds=round(seconds, 3), initial_states=len(w.initial),
                    peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    coverage = tuple(R.ActionCoverage(a.name, a.fault, w.enabled[a.index], w.taken[a.index],
                                      location(model, a.span))
                     for a in model.actions)
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    return R.CheckResult(model=model.name, spec_path=model.path, engine="simulate", complete=False,
                         stop_reason=stop, properties=tuple(props), stats=stats, coverage=coverage,
                         constants=consts, warnings=warnings)
