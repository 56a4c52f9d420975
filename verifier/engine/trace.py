"""Stage 6 (explicit): rebuild traces by replay, and turn states into display values.

A trace is stored as ordinals only (which initial state, then which transition of each
state); replaying them through the reference semantics rebuilds every state, action
and parameter. The replay also re-checks what the search claimed (the last state really
violates the invariant, the error really happens): a disagreement between a fast path
and the reference semantics is an internal error, never a silent result.
"""

from __future__ import annotations

from typing import Any

from verifier import results as R
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T


class ReplayMismatch(Exception):
    """The search and the reference semantics disagree: a bug in the checker."""


def display_state(model: M.Model, state: sem.State) -> R.DisplayState:
    return tuple((v.name, T.display(v.ty, x)) for v, x in zip(model.variables, state))


def lanes(model: M.Model, states: list[sem.State]) -> tuple[tuple[str, tuple[R.Value, ...]], ...]:
    """Timeline lanes: the spec's ``lane`` annotation, else none (reports pick a default)."""
    lane = model.lane
    if lane is None:
        return ()
    out = []
    for key in T.value_list(lane.domain):
        labels = []
        for st in states:
            try:
                labels.append(T.display(lane.label.ty, sem.evaluate(lane.label, st, {lane.slot: key})))
            except sem.EvalError:
                labels.append(None)
        out.append((R.format_value(T.display(lane.domain, key)), tuple(labels)))
    return tuple(out)


MAX_LANE_VALUES = 64  # labels listed for the colours; a larger label type lists none


def lane_values(model: M.Model) -> tuple[R.Value, ...]:
    """Every value the lane label can take, in the order of its type (an enum's
    declaration order), so reports give each label one colour per spec."""
    lane = model.lane
    if lane is None or not T.is_finite(lane.label.ty) or T.size(lane.label.ty) > MAX_LANE_VALUES:
        return ()
    return tuple(T.display(lane.label.ty, v) for v in T.value_list(lane.label.ty))


def arrows(model: M.Model, states: list[sem.State],
           moves: list[tuple[int, tuple[Any, ...]]]) -> tuple[tuple[int, R.Value, R.Value], ...]:
    """Timeline arrows from the spec's ``message`` annotations: (step number, sender's
    lane value, receiver's lane value) for each step whose action has one, both ends
    evaluated in the step's pre-state with the action's parameters bound. ``moves[i]``
    (action index, parameter values) is step i+1, from ``states[i]``; a step with no
    state after it (it failed) draws no arrow, nor does an end that fails to evaluate,
    is ``none`` or lies outside the lane domain."""
    lane = model.lane
    if lane is None or not model.messages:
        return ()
    by_action = {msg.action: msg for msg in model.messages}
    out = []
    for i, (action, params) in enumerate(moves[:len(states) - 1]):
        msg = by_action.get(action)
        if msg is None:
            continue
        env = dict(zip(msg.slots, params))
        try:
            ends = [sem.evaluate(e, states[i], env) for e in (msg.source, msg.target)]
        except sem.EvalError:
            continue
        if all(v is not None and T.contains(lane.domain, v) for v in ends):
            out.append((i + 1, T.display(lane.domain, ends[0]), T.display(lane.domain, ends[1])))
    return tuple(out)


def replay(model: M.Model, ordinals: list[int], *,
           error_step: tuple[int, int, str] | None = None) -> tuple[R.Trace, sem.State]:
    """The trace along ``ordinals`` (first: index of the initial state), optionally
    ending with the error transition ``error_step`` = (ordinal, action, message)."""
    inits = sem.initial_states(model)
    if not ordinals or ordinals[0] >= len(inits):
        raise ReplayMismatch("initial state index out of range")
    state = inits[ordinals[0]]
    states = [state]
    steps: list[R.Step] = []
    moves: list[tuple[int, tuple[Any, ...]]] = []
    for o in ordinals[1:]:
        trs = sem.successors(model, state)
        if o >= len(trs) or trs[o].target is None:
            raise ReplayMismatch(f"transition {o} of a state with {len(trs)} transitions")
        tr = trs[o]
        target = tr.target
        assert target is not None
        steps.append(_step(model, tr, display_state(model, target)))
        moves.append((tr.action, tr.params))
        state = target
        states.append(state)
    error = None
    if error_step is not None:
        o, a, msg = error_step
        trs = sem.successors(model, state)
        if o >= len(trs) or trs[o].error is None or trs[o].action != a:
            raise ReplayMismatch("the reference semantics finds no error where the search did")
        steps.append(_step(model, trs[o], None))
        err = trs[o].error
        assert err is not None
        error = err.describe()
    trace = R.Trace(display_state(model, states[0]), tuple(steps), error, lanes(model, states),
                    arrows(model, states, moves), lane_values=lane_values(model))
    return trace, state


def _step(model: M.Model, tr: sem.Transition, state: R.DisplayState | None) -> R.Step:
    action = model.actions[tr.action]
    params = tuple((p.name, T.display(p.ty, v)) for p, v in zip(action.params, tr.params))
    return R.Step(action.name, params, action.fault, state)


def location(model: M.Model, span: Any) -> R.Location:
    lines = model.source.splitlines()
    text = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
    return R.Location(span.path, span.line, span.col, text)
