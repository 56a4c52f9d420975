"""Stage 6 (symbolic): solver models -> our traces, confirmed by the reference semantics.

A satisfying assignment names a state per step and, per step, the action and its
parameters. ``replay`` rebuilds the trace through ``semantics.successors``: the first
state must be initial, each step must be a transition of that action with those
parameters to exactly the decoded next state (or, for the last step of a run-time
error, an error transition). Anything else is a disagreement between the translation
and the reference semantics, raised as ``SymbolicMismatch`` (an internal error), so a
solver answer is never reported unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier import results as R
from verifier.engine.trace import arrows, display_state, lane_values, lanes
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.symbolic.errors import SymbolicMismatch
from verifier.symbolic.state import SymState, decode, decode_state
from verifier.symbolic.transition import StepVars

Move = tuple[int, tuple[Any, ...]]  # (action index, parameter values)


@dataclass(frozen=True, slots=True)
class Path:
    """A concrete run read from a model: states[0] --moves[0]--> states[1] ...; with
    ``error`` the last move fails (it has no target state)."""

    states: tuple[sem.State, ...]
    moves: tuple[Move, ...]
    error: bool = False


def decode_move(model: M.Model, sv: StepVars, z3model: Any) -> Move:
    a = z3model.eval(sv.action, model_completion=True).as_long()
    action = model.actions[a]
    params = tuple(decode(p.ty, x, z3model) for p, x in zip(action.params, sv.params[a]))
    return a, params


def decode_path(model: M.Model, states: list[SymState], steps: list[StepVars], z3model: Any, *,
                error: bool = False) -> Path:
    """The run in ``z3model`` through ``states`` (and one more failing step when ``error``)."""
    concrete = tuple(decode_state(model, s, z3model) for s in states)
    moves = tuple(decode_move(model, sv, z3model) for sv in steps)
    return Path(concrete, moves, error)


def is_initial(model: M.Model, state: sem.State) -> bool:
    for i, (var, v) in enumerate(zip(model.variables, state)):
        if not T.contains(var.ty, v):
            return False
        if i >= model.n_spec_vars:
            if v != 0:
                return False
            continue
        init = model.init_values[i]
        if init is not None:
            want = sem.evaluate(init, (), {})
            if want != v or (want is None) != (v is None):
                return False
    try:
        return all(sem.evaluate(c, state, {}) for c in model.init_conds)
    except sem.EvalError:
        return False


def check_step(model: M.Model, state: sem.State, move: Move, target: sem.State | None) -> sem.Transition:
    """The reference transition matching ``move`` from ``state`` to ``target`` (None: an
    error transition)."""
    a, params = move
    for tr in sem.successors(model, state):
        if tr.action != a or tr.params != params:
            continue
        if target is None and tr.target is None:
            return tr
        if target is not None and tr.target == target:
            return tr
    name = model.actions[a].name
    what = "fails with a run-time error" if target is None else "reaches the state the solver found"
    raise SymbolicMismatch(f"no transition {name}{params} from the solver's state {state} that {what}")


def replay(model: M.Model, path: Path, *, initial: bool = True) -> R.Trace:
    """``path`` as a trace, each step confirmed by the reference semantics (``initial``:
    the first state must be an initial state; a counterexample to induction starts
    anywhere)."""
    if initial and not is_initial(model, path.states[0]):
        raise SymbolicMismatch(f"the solver's first state {path.states[0]} is not an initial state")
    steps: list[R.Step] = []
    error: str | None = None
    for i, move in enumerate(path.moves):
        last_error = path.error and i == len(path.moves) - 1
        target = None if last_error else path.states[i + 1]
        tr = check_step(model, path.states[i], move, target)
        action = model.actions[move[0]]
        params = tuple((p.name, T.display(p.ty, v)) for p, v in zip(action.params, move[1]))
        shown = None if target is None else display_state(model, target)
        steps.append(R.Step(action.name, params, action.fault, shown))
        if last_error:
            assert tr.error is not None
            error = tr.error.describe()
    states = list(path.states)
    return R.Trace(display_state(model, path.states[0]), tuple(steps), error, lanes(model, states),
                   arrows(model, states, list(path.moves)), lane_values=lane_values(model))


def fires(p: M.Property, state: sem.State) -> bool:
    """Whether ``p`` fires in ``state`` (an invariant false, a reachable true); a run-time
    error evaluating an invariant counts as a violation, for a reachable as not reached."""
    try:
        v = sem.holds(p, state)
    except sem.EvalError:
        return p.kind == "invariant"
    return v != (p.kind == "invariant")
