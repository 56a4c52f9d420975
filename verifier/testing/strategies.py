"""Hypothesis strategies over the checked model: random behaviours and random specs.

A testing tool that runs a model like an engine, but instead of exploring every state it
draws executions of a model, for property-based tests, the ``verifier fuzz`` command
(``verifier/testing/fuzz.py``) and conformance testing of implementations
(``verifier/testing/conformance.py``). ``behaviours(model)`` draws valid executions, fault
schedules included, resolved step by step against the reference semantics
(``verifier/lang/semantics.py``); ``specs()`` draws small well-typed spec texts for testing
the checker itself (``tests/ci/test_differential.py``; the generator is in
``verifier/testing/specgen.py``). docs/ci.md shows both in use.

How a step is drawn, and why it shrinks well: per step Hypothesis draws a few small
integers (which action, with fault actions in the top of the range; which parameter
valuation; which branch of an ``either``/``pick``), and the draw is resolved against the
state: a disabled choice moves on to the next action instance in a fixed cyclic
order, so every draw is valid and no example is rejected. Every integer shrinks
towards 0, which means "stop here", "not a fault", "the first action", so Hypothesis
shrinks a failing behaviour towards the shortest one with the fewest faults. Only the
chosen action's instances are evaluated, and every result is cached per state, which
keeps large models (HAL with 12 members) affordable and makes shrinking cheap.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from verifier import results as R
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.testing.specgen import below as below  # re-exported: the walkers draw with it too
from verifier.testing.specgen import spec_text

__all__ = ["Behaviour", "Walker", "behaviours", "instance_transitions", "specs", "step_label"]

State = sem.State
Draw = Callable[[SearchStrategy[int]], int]

_CACHE_LIMIT = 400_000  # cached action instances before the cache is dropped


def instance_transitions(model: M.Model, state: State, action: M.Action,
                         params: tuple[Any, ...]) -> tuple[sem.Transition, ...]:
    """The transitions of one action instance (``action`` with ``params``) from ``state``.

    ``semantics.successors`` is exactly these, concatenated over the actions in order and
    their parameter valuations in canonical order; a test holds the two together.
    """
    counters = [c for c in model.counters if action.index in c.actions]
    if any(state[c.var] >= c.cap for c in counters):
        return ()
    env = {p.slot: v for p, v in zip(action.params, params)}
    out: list[sem.Transition] = []
    try:
        for target in sem.run(action.body, model, state, env):
            for c in counters:
                target = target[:c.var] + (target[c.var] + 1,) + target[c.var + 1:]
            out.append(sem.Transition(action.index, params, target))
    except sem.EvalError as err:
        out.append(sem.Transition(action.index, params, None, err))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One drawn execution: an initial state and the transitions taken from it.

    ``states[0]`` is the initial state (``initial_index`` among
    ``semantics.initial_states(model)``), ``states[i]`` the state after step ``i``. When
    the last transition is a run-time error it has no target, so ``len(states) ==
    len(transitions)``; otherwise there is one state more than transitions.
    """

    model: M.Model = field(repr=False, compare=False)
    initial_index: int
    states: tuple[State, ...]
    transitions: tuple[sem.Transition, ...]
    # positions in ``semantics.successors`` when already known (see ``ordinals``)
    known_ordinals: tuple[int, ...] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_ordinals(cls, model: M.Model, ordinals: Sequence[int],
                      error: int | None = None) -> Behaviour:
        """The behaviour along stored ordinals (the first picks the initial state), by
        the reference semantics, optionally ending with the error transition ``error``."""
        from verifier.engine.trace import ReplayMismatch

        state = sem.initial_states(model)[ordinals[0]]
        states, transitions = [state], []
        for o in ordinals[1:]:
            trs = sem.successors(model, state)
            if o >= len(trs) or trs[o].target is None:
                raise ReplayMismatch(f"transition {o} of a state with {len(trs)} transitions")
            transitions.append(trs[o])
            state = trs[o].target  # type: ignore[assignment]
            states.append(state)
        if error is not None:
            trs = sem.successors(model, state)
            if error >= len(trs) or trs[error].error is None:
                raise ReplayMismatch("the reference semantics finds no error where the search did")
            transitions.append(trs[error])
        return cls(model, ordinals[0], tuple(states), tuple(transitions),
                   tuple(ordinals) + ((error,) if error is not None else ()))

    def __len__(self) -> int:
        return len(self.transitions)

    @property
    def last_state(self) -> State:
        return self.states[-1]

    @property
    def error(self) -> sem.EvalError | None:
        """The run-time error that ended the behaviour, if one did."""
        return self.transitions[-1].error if self.transitions else None

    @property
    def faults(self) -> int:
        return sum(1 for t in self.transitions if self.model.actions[t.action].fault)

    def labels(self) -> list[str]:
        """Each step as ``Action(arg, ...)``, in the spec's syntax."""
        return [step_label(self.model, t) for t in self.transitions]

    def __repr__(self) -> str:
        steps = " -> ".join(self.labels()) or "(no steps)"
        return f"Behaviour(initial={self.initial_index}: {steps})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints falsifying examples with this (else it lists every field)
        printer.text(repr(self))

    def ordinals(self) -> list[int]:
        """The behaviour as the engines store a trace: the initial state's index, then per
        successful step its position in ``semantics.successors`` of the state before."""
        if self.known_ordinals is not None:
            return list(self.known_ordinals[:len(self.states)])
        out = [self.initial_index]
        for state, tr in zip(self.states, self.transitions):
            if tr.target is not None:
                out.append(_ordinal(self.model, state, tr))
        return out

    def prefix(self, n: int) -> Behaviour:
        """The first ``n`` steps."""
        known = self.known_ordinals[:n + 1] if self.known_ordinals is not None else None
        return Behaviour(self.model, self.initial_index, self.states[:n + 1],
                         self.transitions[:n], known)

    def trace(self) -> R.Trace:
        """The behaviour as a result trace (display values), rebuilt by replay."""
        from verifier.engine.trace import replay

        error_step = None
        err = self.error
        if err is not None:
            tr = self.transitions[-1]
            o = (self.known_ordinals[-1] if self.known_ordinals is not None
                 else _ordinal(self.model, self.states[-1], tr))
            error_step = (o, tr.action, err.describe())
        trace, _ = replay(self.model, self.ordinals(), error_step=error_step)
        return trace


def _leading_guards(action: M.Action) -> tuple[tuple[M.Expr, tuple[int, ...]], ...]:
    """The conditions of the `require`s that open the action's body, each with the
    positions of the parameters it reads."""
    out = []
    for stmt in action.body:
        if not isinstance(stmt, M.SRequire):
            break
        slots = _locals_read(stmt.cond)
        out.append((stmt.cond, tuple(i for i, p in enumerate(action.params) if p.slot in slots)))
    return tuple(out)


def _locals_read(e: Any) -> set[int]:
    """Slots of the bound variables an expression reads (a superset is fine)."""
    out: set[int] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, M.ELocal):
            out.add(x.slot)
        elif isinstance(x, tuple):
            stack.extend(x)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack.extend(getattr(x, f.name) for f in dataclasses.fields(x) if f.name != "ty")
    return out


def step_label(model: M.Model, tr: sem.Transition) -> str:
    """A transition as ``Action(arg, ...)``, in the spec's syntax."""
    a = model.actions[tr.action]
    args = ", ".join(R.format_value(T.display(p.ty, v)) for p, v in zip(a.params, tr.params))
    return f"{a.name}({args})" if a.params else a.name


def _ordinal(model: M.Model, state: State, tr: sem.Transition) -> int:
    for i, other in enumerate(sem.successors(model, state)):
        if (other.action, other.params, other.target) == (tr.action, tr.params, tr.target) and (
                (other.error is None) == (tr.error is None)):
            return i
    raise AssertionError("a drawn transition is not among the state's successors")


def action_slots(model: M.Model, fault_rate: float
                 ) -> tuple[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]]:
    """The table a step's action is drawn from: 100 slots, normal actions round-robin in
    the low ones, fault actions in the top ``fault_rate`` of them (so shrinking the draw
    turns faults into normal actions); and the (normal, fault) groups, tried in order
    when the drawn action is disabled. Shared with the fuzzer's compiled walker."""
    normal = [a.index for a in model.actions if not a.fault]
    faulty = [a.index for a in model.actions if a.fault] if fault_rate > 0 else []
    if not normal:
        normal, faulty = faulty, []
    pct = min(99, max(1, round(fault_rate * 100))) if faulty else 0
    slots = tuple([normal[i % len(normal)] for i in range(100 - pct)]
                  + [faulty[i % len(faulty)] for i in range(pct)]) if normal else ()
    return slots, (tuple(normal), tuple(faulty))


def fallback_order(groups: tuple[tuple[int, ...], tuple[int, ...]], first: int) -> tuple[int, ...]:
    """The actions to try, starting at ``first``: the rest of its group cyclically, then
    the other group."""
    own, other = groups if first in groups[0] else (groups[1], groups[0])
    k = own.index(first)
    return own[k:] + own[:k] + other


class Walker:
    """Draws one step at a time from a model, caching what it evaluates per state.

    Shared by ``behaviours`` (whole executions as a strategy) and by the fuzzer and
    conformance tests, so that all of them shrink the same way. ``fault_rate`` is the
    chance that a step tries the fault actions first (0 leaves faults out entirely);
    ``errors=False`` never chooses a run-time error transition.

    A step draws one integer for the action (fault actions hold the top ``fault_rate`` of
    its range, so shrinking it turns faults into normal actions), one for the parameter
    valuation and, when the instance has several transitions, one for the branch.
    """

    def __init__(self, model: M.Model, *, fault_rate: float = 0.25, errors: bool = True) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must lie in [0, 1], got {fault_rate}")
        self.model = model
        self.initial = sem.initial_states(model)
        if not self.initial:
            raise ValueError(f"the model {model.name} has no initial state: nothing to draw")
        self.slots, self.groups = action_slots(model, fault_rate)
        self.errors = errors
        self.valuations = tuple(sem.param_valuations(a) for a in model.actions)
        self.counters = tuple(tuple(c for c in model.counters if a.index in c.actions)
                              for a in model.actions)
        # The leading `require`s of each action, with the parameters each one reads: most
        # instances are disabled by one of them, and its value is memoised per state and
        # per values of just those parameters (Takeover(f, s) checks `f` 12 times, not 144).
        self.guards = tuple(_leading_guards(a) for a in model.actions)
        # States are interned to small ids so that cache keys hash cheaply.
        self._ids: dict[State, int] = {}
        self._candidates: dict[tuple[int, int], tuple[int, ...]] = {}
        self._cache: dict[tuple[int, int, int], tuple[sem.Transition, ...]] = {}
        self._guard_memo: dict[tuple[int, int, int, tuple[Any, ...]], bool] = {}
        self.steps = 0                           # transitions drawn so far, for statistics
        self.taken = [0] * len(model.actions)    # per action
        self.visited = 0                         # distinct states a step was drawn from

    def _intern(self, state: State) -> int:
        sid = self._ids.get(state)
        if sid is None:
            if len(self._ids) >= _CACHE_LIMIT:
                self.visited += len(self._ids)
                self._ids.clear()
                self._candidates.clear()
                self._cache.clear()
                self._guard_memo.clear()
            sid = self._ids[state] = len(self._ids)
        return sid

    @property
    def distinct_states(self) -> int:
        """Distinct states a step was drawn from (a lower bound once the cache was reset)."""
        return self.visited + len(self._ids)

    def candidates(self, sid: int, state: State, action: int) -> tuple[int, ...]:
        """The valuations of ``action`` whose leading ``require``s hold in the state (a
        superset of the enabled ones)."""
        key = (sid, action)
        hit = self._candidates.get(key)
        if hit is None:
            if any(state[c.var] >= c.cap for c in self.counters[action]):
                hit = ()
            else:
                hit = tuple(v for v, params in enumerate(self.valuations[action])
                            if self._guards_pass(sid, state, action, params))
            self._candidates[key] = hit
        return hit

    def _guards_pass(self, sid: int, state: State, action: int, params: tuple[Any, ...]) -> bool:
        a = self.model.actions[action]
        for g, (cond, positions) in enumerate(self.guards[action]):
            values = tuple(params[i] for i in positions)
            key = (sid, action, g, values)
            ok = self._guard_memo.get(key)
            if ok is None:
                env = {a.params[i].slot: v for i, v in zip(positions, values)}
                try:
                    ok = bool(sem.evaluate(cond, state, env))
                except sem.EvalError:
                    return True  # the full evaluation reports the error
                self._guard_memo[key] = ok
            if not ok:
                return False
        return True

    def instance(self, sid: int, state: State, action: int,
                 valuation: int) -> tuple[sem.Transition, ...]:
        key = (sid, action, valuation)
        hit = self._cache.get(key)
        if hit is None:
            a = self.model.actions[action]
            hit = instance_transitions(self.model, state, a, self.valuations[action][valuation])
            if not self.errors:
                hit = tuple(t for t in hit if t.target is not None)
            self._cache[key] = hit
        return hit

    def expandable(self, state: State) -> bool:
        """False for a state outside the model's ``constraint``s (engines do not expand it)."""
        return all(sem.holds(c, state) for c in self.model.constraints)

    def draw_initial(self, draw: Draw) -> int:
        return draw(below(len(self.initial))) if len(self.initial) > 1 else 0

    def draw_step(self, draw: Draw, state: State) -> sem.Transition | None:
        """One transition from ``state`` (None when no action is enabled)."""
        if not self.slots:
            return None
        sid = self._intern(state)
        first = self.slots[draw(below(len(self.slots)))] if len(self.slots) > 1 else self.slots[0]
        n0 = len(self.valuations[first])
        p0 = draw(below(n0)) if n0 > 1 else 0
        for action in fallback_order(self.groups, first):
            cands = self.candidates(sid, state, action)
            if not cands:
                continue
            j = bisect.bisect_left(cands, p0 % len(self.valuations[action]))
            for v in cands[j:] + cands[:j]:
                trs = self.instance(sid, state, action, v)
                if trs:
                    tr = trs[draw(below(len(trs)))] if len(trs) > 1 else trs[0]
                    self.steps += 1
                    self.taken[action] += 1
                    return tr
        return None

    def walk(self, draw: Draw, max_steps: int, *, variable_length: bool = True,
             until: Callable[[State], bool] | None = None) -> Behaviour:
        """Draw a behaviour of at most ``max_steps`` steps (see ``behaviours``)."""
        index = self.draw_initial(draw)
        state = self.initial[index]
        states = [state]
        transitions: list[sem.Transition] = []
        while not (until is not None and until(state)) and len(transitions) < max_steps:
            if not self.expandable(state):
                break
            if variable_length and draw(below(max_steps + 1)) == 0:
                break
            tr = self.draw_step(draw, state)
            if tr is None:
                break
            transitions.append(tr)
            if tr.target is None:
                break
            state = tr.target
            states.append(state)
        return Behaviour(self.model, index, tuple(states), tuple(transitions))


def behaviours(model: M.Model, max_steps: int = 20, *, fault_rate: float = 0.25,
               variable_length: bool = True, until: Callable[[State], bool] | None = None,
               errors: bool = True) -> SearchStrategy[Behaviour]:
    """Valid executions of ``model``: an initial state, then up to ``max_steps``
    transitions, each enabled in the state before it, fault actions included.

    - ``fault_rate``: the chance that a step tries a fault action first (when one is
      enabled and its fault cap allows it); 0 draws no faults at all.
    - ``variable_length``: behaviours may stop before ``max_steps`` (about one step in
      ``max_steps`` stops); False runs each to ``max_steps``, a deadlock, a state outside
      the constraints, a run-time error, or ``until``.
    - ``until``: stop at the first state where it holds (e.g. an invariant is false), so
      that nothing after the interesting state is drawn.
    - ``errors``: False never draws a run-time error transition.

    Failing behaviours shrink towards fewer steps and fewer faults (see the module doc).
    Example::

        @given(behaviours(model, max_steps=30))
        def test_no_overissue(b):
            assert all(holders(s) <= 1 for s in b.states)
    """
    if max_steps < 0:
        raise ValueError(f"max_steps must be at least 0, got {max_steps}")
    walker = Walker(model, fault_rate=fault_rate, errors=errors)

    @st.composite
    def draw_behaviour(draw: DrawFn) -> Behaviour:
        return walker.walk(draw, max_steps, variable_length=variable_length, until=until)

    return draw_behaviour()


def specs(*, max_vars: int = 3, max_actions: int = 4, faults: bool = True) -> SearchStrategy[str]:
    """Small random spec texts that parse and type-check, for testing the checker.

    Each has one enum ``E`` (2 or 3 members), 1..``max_vars`` variables (bool, small
    ranges, ``E``, maps ``E -> bool`` and ``E -> 0..1``; some without an initial value),
    1..``max_actions`` actions (some ``fault``; a parameter of ``E`` or ``0..1``) whose
    bodies use ``require``, assignments, ``if``/``else``, ``either``/``or`` and ``pick``, and
    1-2 invariants plus maybe a reachable. Assignments sometimes leave the variable's
    domain, so run-time errors occur too. Every spec has at most a few thousand states.
    Shrinks towards fewer variables and actions and simpler expressions.
    """
    return spec_text(max_vars, max_actions, faults)
