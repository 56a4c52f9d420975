"""Stage 5 (explicit, liveness): leads-to properties under weak fairness, on the state graph.

A ``liveness L: P ~> Q while R`` property says: from every reachable state where P holds,
every fair behaviour that keeps R true reaches a state where Q holds (without ``while``,
R is ``true``). Behaviours may stop taking steps (stutter) at any point, unless a *fair*
action (``fair action A``) is enabled: weak fairness, as in TLA+'s ``WF``, forbids a
behaviour in which A stays enabled forever and is never taken. Fault actions are never
fair, and fault budgets make every behaviour's faults finite.

A violation is a *lasso*: a path from an initial state to a state where P holds, then a
path through states where Q is false and R true, ending in a cycle of such states that
is fair (or stuttering forever in a state where no fair action is enabled). The check is
the classic one on the graph (networkx for the strongly connected components): keep the
states where ``not Q and R``; a component admits a fair cycle iff every fair action is
taken on one of its inner edges or disabled in one of its states; the property fails iff
a P-state of the kept subgraph reaches such a component inside it.

``build_graph`` makes the labelled graph with the engine's stepper (compiled when the spec
allows it; ``reference_graph`` is the same graph from the reference semantics, which the
tests compare it with); it stores every edge, so it grows until the memory limit (or
``graph_max_nodes`` states, when set). ``find_lasso`` is the algorithm on plain integers, so that it
can be tested against a brute-force search on random graphs.

``check_liveness`` runs after the safety search, which has found every reachable state:
it builds the labelled graph with the search's stepper (as far as the memory limit, or
most of the machine's available memory, allows; at most ``graph_max_nodes`` states when
set), evaluates the property's three predicates on every state (for each valuation
of its parameters) and looks for a fair lasso. A lasso found is replayed through the
reference semantics like every other trace; its ``loop`` says where it repeats.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from verifier import results as R
from verifier.engine.explicit import Clock, eta, rss_mb
from verifier.engine.options import CheckOptions
from verifier.engine.select import make_stepper
from verifier.engine.stepper import ERROR, Stepper
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T


class GraphTooLarge(Exception):
    """More states than the liveness check may store."""


@dataclass(frozen=True, slots=True)
class LabelledGraph:
    """The reachable states (ids in breadth-first order) and their transitions, each
    labelled by the index of its action in ``model.actions``; error transitions are left
    out (the safety check reports them). ``states`` holds each state as the stepper
    represents it (its ``decode`` gives the variables' values)."""

    states: tuple[Any, ...]
    initial: tuple[int, ...]
    succ: tuple[tuple[tuple[int, int], ...], ...]   # per state: (action, target), sorted
    # per state: (action, target) -> the lowest index of such a transition among the
    # state's transitions in the reference order (what trace replay takes)
    ordinal: tuple[dict[tuple[int, int], int], ...]


@dataclass(frozen=True, slots=True)
class Lasso:
    """A behaviour violating a liveness property: ``start`` is an initial state's id and
    ``steps`` the (action, state id) steps from it; states are numbered 0 (``start``) to
    ``len(steps)``. The behaviour repeats states ``loop``..``len(steps)`` forever (the last
    step returns to state ``loop``), or, when ``stutter`` is set, stays in its last state
    forever (no fair action is enabled there) and ``loop`` is that state's number."""

    start: int
    steps: tuple[tuple[int, int], ...]
    trigger: int   # index of the state where P holds (Q is false from there on)
    loop: int
    stutter: bool


MEMORY_CHECK_EVERY = 4096  # states between two looks at the process's memory


class _Numbering:
    """Ids for states in order of first sight (at most ``limit`` states, and no more
    than fit in ``memory_mb``)."""

    def __init__(self, limit: int | None, memory_mb: float | None) -> None:
        self.limit = limit
        self.memory_mb = memory_mb
        self.ids: dict[Any, int] = {}
        self.items: list[Any] = []

    def __call__(self, s: Any) -> int:
        i = self.ids.get(s)
        if i is None:
            n = len(self.items)
            if self.limit is not None and n >= self.limit:
                raise GraphTooLarge(f"the state graph has more than {self.limit:,} states")
            if n % MEMORY_CHECK_EVERY == 0 and self.memory_mb is not None and rss_mb() > self.memory_mb:
                raise GraphTooLarge(f"the state graph outgrew the memory limit ({self.memory_mb:,.0f} MiB) "
                                    f"at {n:,} states")
            i = self.ids[s] = n
            self.items.append(s)
        return i


def build_graph(model: M.Model, stepper: Stepper, limit: int | None, *, memory_mb: float | None = None,
                progress: Callable[[int], None] | None = None) -> LabelledGraph:
    """Every reachable state, as the explicit engine explores them: a state outside a
    ``constraint`` has no successors, fault budgets apply (the counters are in the state).

    ``stepper`` computes the successors (compiled or reference, one state per call); a
    transition's ordinal is its position in the stepper's output, which is the order of
    the reference semantics, and its action follows from the stepper's per-action
    counters: each action's transitions come out together, in the order of
    ``model.actions``. ``limit`` caps the states (None: no fixed cap), ``memory_mb`` the
    process's memory; ``progress(k)`` is told every few thousand states expanded."""
    intern = _Numbering(limit, memory_mb)
    reps = intern.items
    succ: list[tuple[tuple[int, int], ...]] = []
    ordinals: list[dict[tuple[int, int], int]] = []
    initial = tuple(intern(s) for s in stepper.initial())
    n_actions = len(model.actions)
    k = 0
    while k < len(reps):
        out: list[Any] = []
        before = list(stepper.taken)
        stepper.expand_level([reps[k]], out, [], [], [])
        edges: dict[tuple[int, int], int] = {}
        o = 0
        for a in range(n_actions):
            for _ in range(stepper.taken[a] - before[a]):
                t = out[o]
                if not (isinstance(t, int) and t == ERROR):
                    edges.setdefault((a, intern(t)), o)
                o += 1
        if o != len(out):
            raise AssertionError("the stepper's action counters do not cover its output")
        succ.append(tuple(sorted(edges)))
        ordinals.append(edges)
        k += 1
        if progress is not None and k % MEMORY_CHECK_EVERY == 0:
            progress(k)
    return LabelledGraph(tuple(reps), initial, tuple(succ), tuple(ordinals))


def reference_graph(model: M.Model, limit: int) -> LabelledGraph:
    """``build_graph`` straight from the reference semantics (states as value tuples): the
    specification that the stepper-based graph is tested against."""
    intern = _Numbering(limit, None)
    states = intern.items
    succ: list[tuple[tuple[int, int], ...]] = []
    ordinals: list[dict[tuple[int, int], int]] = []
    initial = tuple(intern(s) for s in sem.initial_states(model))
    k = 0
    while k < len(states):
        edges: dict[tuple[int, int], int] = {}
        if all(sem.holds(c, states[k]) for c in model.constraints):
            for o, tr in enumerate(sem.successors(model, states[k])):
                if tr.target is not None:
                    edges.setdefault((tr.action, intern(tr.target)), o)
        succ.append(tuple(sorted(edges)))
        ordinals.append(edges)
        k += 1
    return LabelledGraph(tuple(states), initial, tuple(succ), tuple(ordinals))


def find_lasso(succ: Sequence[Sequence[tuple[int, int]]], initial: Sequence[int],
               fair: frozenset[int], start: Sequence[bool], keep: Sequence[bool]) -> Lasso | None:
    """A fair lasso from an initial state through a ``start`` state whose suffix stays in
    ``keep`` states forever, or None. Deterministic: ties go to the lowest ids."""
    n = len(succ)
    enabled = [frozenset(a for a, _ in succ[u]) for u in range(n)]
    h = nx.DiGraph()
    h.add_nodes_from(u for u in range(n) if keep[u])
    for u in range(n):
        if keep[u]:
            h.add_edges_from((u, v) for _, v in succ[u] if keep[v])
    comp_of: dict[int, int] = {}
    comps: list[list[int]] = []
    for c in nx.strongly_connected_components(h):
        members = sorted(c)
        for u in members:
            comp_of[u] = len(comps)
        comps.append(members)
    accepting: set[int] = set()
    for ci, members in enumerate(comps):
        inside = set(members)
        taken = {a for u in members for a, v in succ[u] if v in inside}
        everywhere = frozenset.intersection(*(enabled[u] for u in members))
        if all(a in taken or a not in everywhere for a in fair):
            accepting.add(ci)
    if not accepting:
        return None
    # states of the kept subgraph from which an accepting component is reachable in it
    doomed = {u for ci in accepting for u in comps[ci]}
    queue = deque(sorted(doomed))
    while queue:
        v = queue.popleft()
        for u in h.predecessors(v):
            if u not in doomed:
                doomed.add(u)
                queue.append(u)
    targets = {u for u in doomed if start[u]}
    if not targets:
        return None
    prefix = _shortest_path(succ, list(initial), lambda u: u in targets, lambda u: True)
    assert prefix is not None  # every state is reachable
    first, steps = prefix
    trigger = len(steps)
    at = steps[-1][1] if steps else first
    stem = _shortest_path(succ, [at], lambda u: comp_of.get(u) in accepting, lambda u: keep[u])
    assert stem is not None
    steps += stem[1]
    entry = steps[-1][1] if steps else first
    members = comps[comp_of[entry]]
    cycle = _fair_cycle(succ, enabled, fair, entry, set(members))
    loop = len(steps)
    if cycle is None:  # every fair action is disabled at the entry: stutter there
        return Lasso(first, tuple(steps), trigger, loop, True)
    return Lasso(first, tuple(steps + cycle), trigger, loop, False)


def _shortest_path(succ: Sequence[Sequence[tuple[int, int]]], sources: list[int],
                   goal: Callable[[int], bool], allowed: Callable[[int], bool]
                   ) -> tuple[int, list[tuple[int, int]]] | None:
    """Breadth-first: (source, steps) of a shortest path to a ``goal`` state through
    ``allowed`` states (sources included), or None."""
    parent: dict[int, tuple[int, int] | None] = {}
    queue: deque[int] = deque()
    for s in sources:
        if s not in parent and allowed(s):
            parent[s] = None
            queue.append(s)
    while queue:
        u = queue.popleft()
        if goal(u):
            steps: list[tuple[int, int]] = []
            v = u
            while (p := parent[v]) is not None:
                steps.append((p[1], v))
                v = p[0]
            steps.reverse()
            return v, steps
        for a, v in succ[u]:
            if v not in parent and allowed(v):
                parent[v] = (u, a)
                queue.append(v)
    return None


def _fair_cycle(succ: Sequence[Sequence[tuple[int, int]]], enabled: Sequence[frozenset[int]],
                fair: frozenset[int], entry: int, members: set[int]) -> list[tuple[int, int]] | None:
    """Steps of a cycle from ``entry`` back to it inside ``members`` (an accepting
    component) on which every fair action is taken or is disabled in a visited state;
    None when no fair action is enabled at ``entry``, so that stuttering there is fair."""
    inside = members.__contains__
    cycle: list[tuple[int, int]] = []
    at = entry
    for a in sorted(fair):
        visited = [entry] + [v for _, v in cycle]
        if any(x == a for x, _ in cycle) or any(a not in enabled[v] for v in visited):
            continue
        def disabled(u: int, a: int = a) -> bool:
            return a not in enabled[u]

        def takes(u: int, a: int = a) -> bool:
            return any(x == a and v in members for x, v in succ[u])

        if any(disabled(u) for u in members):
            found = _shortest_path(succ, [at], disabled, inside)
            assert found is not None  # the component is strongly connected
            cycle += found[1]
        else:  # taken on an inner edge: go to its source and take it
            found = _shortest_path(succ, [at], takes, inside)
            assert found is not None
            cycle += found[1]
            src = cycle[-1][1] if cycle else at
            cycle.append((a, min(v for x, v in succ[src] if x == a and v in members)))
        at = cycle[-1][1] if cycle else at
    if not cycle:
        return None
    if at != entry:
        back = _shortest_path(succ, [at], lambda u: u == entry, inside)
        assert back is not None
        cycle += back[1]
    return cycle


# ---- the check: liveness properties after a complete search ------------------------------


def check_liveness(model: M.Model, props: tuple[M.Liveness, ...], opts: CheckOptions,
                   expect: dict[str, str], *, complete: bool, states: int,
                   stepper: Stepper | None = None,
                   graph: LabelledGraph | None = None) -> list[R.PropertyResult]:
    """``states``: how many states the search found (the graph has as many);
    ``stepper``: the search's, reused (its coverage counters keep counting), else a new
    one of the kind ``opts`` asks for; ``graph``: the state graph when the search kept
    it (the kernel engine's; ``stepper`` then answers for its states)."""
    def inconclusive(note: str) -> list[R.PropertyResult]:
        return inconclusive_results(model, props, expect, note)

    if not props:
        return []
    if not complete:
        return inconclusive("the search did not explore every reachable state, so no fair "
                            "cycle can be ruled out")
    limit = opts.graph_max_nodes
    if limit is not None and states > limit:
        return inconclusive(f"the state graph has {states:,} states, more than the liveness check "
                            f"may store ({limit:,}): raise --graph-max-nodes or [graph] max_nodes")
    clock = Clock(opts)
    if graph is not None and stepper is not None:
        clock.show(f"liveness: the state graph ({states:,} states) kept by the search, for "
                   f"{', '.join(p.name for p in props)}", now=True)
    else:
        if stepper is None:
            stepper = make_stepper(model, (), opts.compiled)
        budget, why = memory_budget(opts)
        clock.show(f"liveness: building the state graph ({states:,} states) for "
                   f"{', '.join(p.name for p in props)}", now=True)

        def progress(k: int) -> None:
            rate = k / max(1e-9, clock.elapsed())
            clock.show(f"liveness: state graph {k:,} of {states:,} states ({100 * k // max(1, states)}%), "
                       f"about {eta((states - k) / rate)} left")

        try:
            graph = build_graph(model, stepper, limit, memory_mb=budget, progress=progress)
        except GraphTooLarge as e:
            return inconclusive(f"{e}: {why}")
        finally:
            clock.done()
    fair = frozenset(a.index for a in model.actions if a.fair)
    out = []
    for p in props:
        clock.show(f"liveness: looking for a fair lasso that violates {p.name}", now=True)
        out.append(_check_one(model, stepper, graph, fair, p, expect))
    clock.done()
    return out


def memory_budget(opts: CheckOptions) -> tuple[float | None, str]:
    """The memory the liveness graph may grow into (MiB; None: unknown, no cap) and what
    to do when it is not enough: ``--memory-limit`` when given, else most of the memory
    the machine has available now."""
    if opts.max_memory_mb is not None:
        return float(opts.max_memory_mb), "raise --memory-limit ([limits] memory) to check liveness"
    try:
        with open("/proc/meminfo") as f:
            fields = dict(line.split(":", 1) for line in f)
        available = int(fields["MemAvailable"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None, ""
    return rss_mb() + 0.8 * available, "the machine has no more memory available; shrink the model's constants"


def inconclusive_results(model: M.Model, props: tuple[M.Liveness, ...], expect: dict[str, str],
                         note: str) -> list[R.PropertyResult]:
    return [_result(model, p, R.INCONCLUSIVE, expect, note=note) for p in props]


def _check_one(model: M.Model, stepper: Stepper, graph: LabelledGraph, fair: frozenset[int],
               p: M.Liveness, expect: dict[str, str]) -> R.PropertyResult:
    states = list(graph.states)
    for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
        binding = tuple(zip(p.params, values))
        try:
            start = stepper.truth(p.trigger, binding, states)
            goal = stepper.truth(p.goal, binding, states)
            keep = [not g for g in goal]
            if p.keep is not None:
                keep = [k and r for k, r in zip(keep, stepper.truth(p.keep, binding, states))]
        except sem.EvalError as err:
            return _result(model, p, R.INCONCLUSIVE, expect,
                           note=f"run-time error while evaluating it: {err.describe()}")
        lasso = find_lasso(graph.succ, graph.initial, fair, start, keep)
        if lasso is None:
            continue
        ordinals = [graph.initial.index(lasso.start)]
        at = lasso.start
        for a, v in lasso.steps:
            ordinals.append(graph.ordinal[at][(a, v)])
            at = v
        trace, last = replay(model, ordinals)
        if last != stepper.decode(graph.states[at]):
            raise ReplayMismatch(f"the lasso of {p.name} does not replay to its last state")
        trace = dataclasses.replace(trace, loop=lasso.loop, trigger=lasso.trigger,
                                    stutter=lasso.stutter)
        where = ""
        if p.params:
            shown = ", ".join(f"{q.name} = {R.format_value(T.display(q.ty, v))}"
                              for q, v in binding)
            where = f"for {shown}: "
        how = ("then stays in its last state forever, where no fair action is enabled"
               if lasso.stutter else f"then repeats steps {lasso.loop + 1}..{len(lasso.steps)} forever")
        return _result(model, p, R.VIOLATED, expect, trace=trace,
                       note=f"{where}the trigger holds in state {lasso.trigger}; the goal never "
                            f"holds from there on: the behaviour {how}")
    return _result(model, p, R.HOLDS, expect,
                   note=f"no fair behaviour avoids the goal ({len(graph.states):,} states)")


def _result(model: M.Model, p: M.Liveness, verdict: str, expect: dict[str, str], *,
            trace: R.Trace | None = None, note: str | None = None) -> R.PropertyResult:
    return R.PropertyResult(p.name, R.LIVENESS, verdict, trace, location(model, p.span), p.doc,
                            expect.get(p.name), note)
