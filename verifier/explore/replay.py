"""Trace validation, the engine of ``verifier replay``: does some behaviour of the spec
explain an observed log?

The log is a list of events (``events.py``): an action with some of its parameters and
values observed after it, or an observation alone. The search keeps every state some
behaviour of the spec can be in after the first ``i`` events (a set, so its size is
bounded by the model, not by the number of behaviours), and for event ``i + 1``:

1. adds every state reachable from them by at most ``max_inserted`` *unobserved* steps
   (the ``hidden`` actions: by default those the log never names, such as ``Tick``);
2. keeps the targets of the event's action, with the parameters the log gives, whose
   observed values match (an observation alone keeps the states themselves that match).

Each state remembers one way it was reached (the first found: the fewest unobserved
steps), so a conforming log comes with one explaining behaviour. When no state is left,
the event is the first one that no behaviour explains; the answer names it and shows the
closest states: the transitions of its action that do happen, with the observed values
that differ, or, when the action cannot happen at all, the state after the last
explained event and the ``require`` of the action that fails there. Everything runs on
the reference semantics; the explaining behaviour becomes an ordinary trace for the
report writers (``result``).
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from typing import Any

from verifier import results as R
from verifier.explore.events import Event, Observation, describe_plain, observed_in, value_at
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.testing.strategies import Behaviour, instance_transitions

__all__ = ["Closest", "ReplayOptions", "ReplayOutcome", "replay_log", "result"]

CONFORMS, DOES_NOT_CONFORM, UNDECIDED = "conforms", "does not conform", "inconclusive"


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    max_inserted: int = 4                  # unobserved steps before each event, at most
    hidden: tuple[str, ...] | None = None  # actions that may be unobserved; None: those no event names
    max_states: int = 200_000              # candidate states per event, at most


@dataclass(frozen=True, slots=True)
class _Node:
    """One way to reach ``state``: from ``parent`` by ``transition`` (None for an initial
    state, or for an observation, which takes no step); ``event`` is the event it explains."""

    state: sem.State
    parent: _Node | None
    transition: sem.Transition | None
    event: int | None
    initial_index: int = 0
    cost: int = 0                   # unobserved steps on the way here


@dataclass(frozen=True, slots=True)
class Closest:
    """A state near the first unexplained event, and why it does not explain it."""

    behaviour: Behaviour            # from an initial state to the state shown
    why: tuple[str, ...]            # the observed values that differ, or the failing guard


@dataclass
class ReplayOutcome:
    verdict: str                               # CONFORMS, DOES_NOT_CONFORM or UNDECIDED
    events: list[Event]
    explained: int                             # events explained (all, when it conforms)
    behaviour: Behaviour                       # the explanation, or of the explained prefix
    event_steps: list[int]                     # per explained event: its state in behaviour
    hidden: tuple[str, ...]
    closest: list[Closest] = field(default_factory=list)
    reason: str = ""
    states: int = 0                            # candidate states looked at
    seconds: float = 0.0

    @property
    def inserted(self) -> int:
        """Unobserved steps in the explanation."""
        return len(self.behaviour) - sum(
            1 for i in range(min(self.explained, len(self.events))) if self.events[i].actions)


def replay_log(model: M.Model, events: list[Event], opts: ReplayOptions) -> ReplayOutcome:
    """Search for a behaviour of ``model`` that explains ``events`` (see the module doc)."""
    t0 = time.perf_counter()
    named = {a for e in events for a, _ in e.actions}
    if opts.hidden is None:
        hidden = tuple(a for a in model.actions if a.index not in named)
    else:
        hidden = tuple(a for a in model.actions if a.name in opts.hidden)
    valuations = {a.index: sem.param_valuations(a) for a in model.actions}
    frontier: dict[sem.State, _Node] = {}
    for i, s0 in enumerate(sem.initial_states(model)):
        frontier.setdefault(s0, _Node(s0, None, None, None, i))
    looked = 0
    for k, e in enumerate(events):
        # Breadth-first by unobserved steps in this gap, so that every state keeps the
        # most of the gap's budget (the search is exact); among the ways to reach a state
        # at the same depth, the one with the fewest unobserved steps in all is kept.
        reach = dict(frontier)
        layer = sorted(frontier.values(), key=lambda n: n.cost)
        for _ in range(opts.max_inserted):
            found: dict[sem.State, _Node] = {}
            for node in layer:
                for a in hidden:
                    for params in valuations[a.index]:
                        for tr in instance_transitions(model, node.state, a, params):
                            t = tr.target
                            if t is None or t in reach:
                                continue
                            if t not in found or node.cost + 1 < found[t].cost:
                                found[t] = _Node(t, node, tr, None, node.initial_index, node.cost + 1)
            reach.update(found)
            layer = sorted(found.values(), key=lambda n: n.cost)
            if len(reach) > opts.max_states:
                return _undecided(model, events, k, frontier, hidden, opts, looked + len(reach), t0)
            if not layer:
                break
        looked += len(reach)
        after: dict[sem.State, _Node] = {}
        for node in sorted(reach.values(), key=lambda n: n.cost):
            if not e.actions:
                if node.state not in after and all(observed_in(node.state, o) for o in e.observed):
                    after[node.state] = _Node(node.state, node, None, k, node.initial_index, node.cost)
                continue
            for tr in _event_transitions(model, node.state, e, valuations):
                t = tr.target
                if t is not None and t not in after and all(observed_in(t, o) for o in e.observed):
                    after[t] = _Node(t, node, tr, k, node.initial_index, node.cost)
        if not after:
            closest = _closest(model, e, frontier, reach, valuations)
            b, steps = _behaviour(model, _cheapest(frontier))
            return ReplayOutcome(DOES_NOT_CONFORM, events, k, b, steps, _names(hidden), closest,
                                 f"no behaviour of the spec explains event {k + 1}", looked,
                                 time.perf_counter() - t0)
        frontier = after
    b, steps = _behaviour(model, _cheapest(frontier))
    return ReplayOutcome(CONFORMS, events, len(events), b, steps, _names(hidden), [],
                         f"every event is explained ({len(events)} events)", looked,
                         time.perf_counter() - t0)


def _cheapest(frontier: dict[sem.State, _Node]) -> _Node:
    return min(frontier.values(), key=lambda n: n.cost)


def _names(actions: tuple[M.Action, ...]) -> tuple[str, ...]:
    return tuple(a.name for a in actions)


def _event_transitions(model: M.Model, state: sem.State, e: Event,
                       valuations: dict[int, list[tuple[Any, ...]]]) -> list[sem.Transition]:
    """The transitions from ``state`` of the event's actions, with its parameters."""
    out: list[sem.Transition] = []
    for a, given in e.actions:
        action = model.actions[a]
        for params in valuations[a]:
            if all(params[i] == v for i, v in given):
                out += instance_transitions(model, state, action, params)
    return out


def _path(node: _Node) -> list[_Node]:
    out = []
    at: _Node | None = node
    while at is not None:
        out.append(at)
        at = at.parent
    return out[::-1]


def _behaviour(model: M.Model, node: _Node) -> tuple[Behaviour, list[int]]:
    """The behaviour ending in ``node`` and, per event explained on the way, the index
    of its state in the behaviour."""
    nodes = _path(node)
    states = [nodes[0].state]
    transitions: list[sem.Transition] = []
    event_steps: list[int] = []
    for n in nodes[1:]:
        if n.transition is not None:
            transitions.append(n.transition)
            states.append(n.state)
        if n.event is not None:
            event_steps.append(len(transitions))
    return Behaviour(model, nodes[0].initial_index, tuple(states), tuple(transitions)), event_steps


def _mismatches(model: M.Model, state: sem.State, observed: tuple[Observation, ...]) -> list[str]:
    out = []
    for o in observed:
        if observed_in(state, o):
            continue
        try:
            v = value_at(state, o)
            ty = _type_at(model, o)
            shown = R.format_value(T.display(ty, v))
        except KeyError:
            shown = "nothing (the path meets `none`)"
        out.append(f"{o.path} is {shown}, the log says {describe_plain(o.plain)}")
    return out


def _type_at(model: M.Model, o: Observation) -> T.Ty:
    ty: T.Ty = model.variables[o.var].ty
    for i in o.steps:
        base = ty.inner if isinstance(ty, T.OptionTy) else ty
        if isinstance(base, T.MapTy):
            ty = base.cod
        elif isinstance(base, T.RecordTy):
            ty = base.types[i]
        elif isinstance(base, T.TupleTy):
            ty = base.items[i]
        elif isinstance(base, T.SeqTy):
            ty = base.elem
    return ty


def _closest(model: M.Model, e: Event, frontier: dict[sem.State, _Node],
             reach: dict[sem.State, _Node], valuations: dict[int, list[tuple[Any, ...]]]
             ) -> list[Closest]:
    """At most three states that come nearest to explaining ``e``."""
    if not e.actions:
        scored = sorted(((len(_mismatches(model, n.state, e.observed)), i, n)
                         for i, n in enumerate(reach.values())), key=lambda x: (x[0], x[1]))
        return [Closest(_behaviour(model, n)[0], tuple(_mismatches(model, n.state, e.observed)))
                for _, _, n in scored[:3]]
    candidates: list[tuple[int, int, _Node, sem.Transition, tuple[str, ...]]] = []
    for i, n in enumerate(reach.values()):
        for tr in _event_transitions(model, n.state, e, valuations):
            if tr.target is None:
                assert tr.error is not None
                candidates.append((0, i, n, tr, (f"the step raises a run-time error: "
                                                  f"{tr.error.describe()}",)))
            else:
                why = tuple(_mismatches(model, tr.target, e.observed))
                candidates.append((len(why), i, n, tr, why))
    if candidates:
        candidates.sort(key=lambda c: (c[0], c[1]))
        out = []
        for _, _, n, tr, why in candidates[:3]:
            b, _ = _behaviour(model, n)
            if tr.target is not None:
                b = Behaviour(model, b.initial_index, (*b.states, tr.target), (*b.transitions, tr))
            out.append(Closest(b, why))
        return out
    out = []
    for n in sorted(frontier.values(), key=lambda n: n.cost)[:3]:
        b, _ = _behaviour(model, n)
        why = tuple(_why_disabled(model, n.state, model.actions[a], e, given, valuations[a])
                    for a, given in e.actions)
        out.append(Closest(b, why))
    return out


def _why_disabled(model: M.Model, state: sem.State, action: M.Action, e: Event,
                  given: tuple[tuple[int, Any], ...], valuations: list[tuple[Any, ...]]) -> str:
    """The first opening ``require`` of ``action`` that fails for every matching
    parameter valuation in ``state``, with its source line; else a general reason."""
    wanted = [p for p in valuations if all(p[i] == v for i, v in given)]
    if any(state[c.var] >= c.cap for c in model.counters if action.index in c.actions):
        return f"{action.name} cannot happen here: its fault cap is used up"
    lines = model.source.split("\n")
    for stmt in action.body:
        if not isinstance(stmt, M.SRequire):
            break
        fails = True
        for params in wanted:
            env = {p.slot: v for p, v in zip(action.params, params)}
            try:
                if sem.evaluate(stmt.cond, state, env):
                    fails = False
                    break
            except sem.EvalError:
                fails = False
                break
        if fails:
            sp = stmt.span
            text = lines[sp.line - 1].strip() if 0 < sp.line <= len(lines) else "require ..."
            return f"{action.name} cannot happen here: `{text}` is false ({sp.path}:{sp.line})"
    return f"{action.name} cannot happen here: no transition with these parameters"


def _undecided(model: M.Model, events: list[Event], k: int, frontier: dict[sem.State, _Node],
               hidden: tuple[M.Action, ...], opts: ReplayOptions, looked: int,
               t0: float) -> ReplayOutcome:
    b, steps = _behaviour(model, _cheapest(frontier))
    return ReplayOutcome(UNDECIDED, events, k, b, steps, _names(hidden), [],
                         f"more than {opts.max_states:,} candidate states before event {k + 1} "
                         "(raise --max-states, or lower --max-inserted)", looked,
                         time.perf_counter() - t0)


PROPERTY = "Conforms"
KIND = "conformance"


def result(model: M.Model, out: ReplayOutcome, log_name: str) -> R.CheckResult:
    """The outcome as a ``CheckResult`` (engine ``replay``) with one property,
    ``Conforms``: holds with the explaining behaviour as its witness, violated with the
    closest behaviour to the first unexplained event, or inconclusive."""
    verdict = {CONFORMS: R.HOLDS, DOES_NOT_CONFORM: R.VIOLATED, UNDECIDED: R.INCONCLUSIVE}[out.verdict]
    trace = out.behaviour.trace()
    note = _note(out)
    if out.verdict == DOES_NOT_CONFORM and out.closest:
        trace = out.closest[0].behaviour.trace()
    prop = R.PropertyResult(PROPERTY, KIND, verdict, trace, None,
                            f"a behaviour of the spec explains every event of {log_name}", None, note)
    stats = R.Stats(states=out.states, transitions=len(out.behaviour), depth=len(out.behaviour),
                    seconds=round(out.seconds, 3), initial_states=len(sem.initial_states(model)),
                    peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    stop = (f"{log_name}: {len(out.events)} events, unobserved steps of "
            f"{', '.join(out.hidden) or 'no action'} inserted before them")
    if out.verdict == UNDECIDED:
        stop += f"; stopped: {out.reason}"
    return R.CheckResult(model=model.name, spec_path=model.path, engine="replay",
                         complete=out.verdict != UNDECIDED, stop_reason=stop, properties=(prop,),
                         stats=stats, constants=consts)


def _note(out: ReplayOutcome) -> str:
    if out.verdict == CONFORMS:
        return (f"the log conforms: {len(out.events)} events explained by {len(out.behaviour)} "
                f"steps, {out.inserted} of them unobserved")
    if out.verdict == UNDECIDED:
        return out.reason
    e = out.events[out.explained]
    where = f"{e.span.path}:{e.span.line}"
    if e.source and e.source != where:
        where += f" ({e.source})"
    why = "; ".join(out.closest[0].why) if out.closest else ""
    return (f"event {out.explained + 1} at {where}, {e.label}, is the first that no behaviour "
            f"explains ({out.explained} explained before it): {why}")
