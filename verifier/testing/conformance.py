"""Conformance testing: drive an implementation along behaviours of its spec and compare.

Beside the engines (stage 5), this checks code rather than the spec. A user writes an
*adapter* for their implementation (``Adapter``: ``reset``, ``apply``, ``observe``);
``check_conformance`` draws behaviours of the model with Hypothesis
(``verifier.testing.strategies.Walker``), applies each step to the implementation, and after
every step compares what ``observe`` returns with the model's state. The first
difference fails the test; Hypothesis then shrinks the behaviour, and the error names
the shrunk behaviour and the first divergence: the step, the variable (down to a map
entry) and both values.

Values cross the boundary as plain Python: bool, int, str (an enum member's name),
None (``none``), dict (a map, or a record by field name), set/frozenset (a set) and
tuple/list (a tuple or a sequence); an ``enum.Enum`` member counts as its name.

Nondeterminism: when a spec action instance has several outcomes (``either``, ``pick``),
the implementation may take any of them; the model follows the one the implementation
took (the drawn one when it matches). Only the variables ``observe`` returns are
compared, so hidden spec variables (history, ghost state) may be left out, as long as
no ``either`` chooses between outcomes that differ only in them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from verifier import results as R
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.testing.strategies import Behaviour, Walker, below, instance_transitions, step_label

__all__ = ["Adapter", "ConformanceError", "Divergence", "check_conformance", "plain_state",
           "to_plain"]


class Adapter(Protocol):
    """What ``check_conformance`` needs from an implementation under test."""

    def reset(self, initial: Mapping[str, Any]) -> None:
        """Start afresh from the spec's initial state (given as plain values, by name)."""

    def apply(self, action: str, params: Mapping[str, Any]) -> None:
        """Perform the spec action ``action`` with its parameters (plain values, by name)."""

    def observe(self) -> Mapping[str, Any]:
        """The implementation's state, named like the spec's variables (any subset)."""


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first place where implementation and model disagree.

    ``step`` 0 is right after ``reset``; ``path`` names the variable or map entry
    (``master[P]``); ``model`` and ``implementation`` are the values in the spec's syntax.
    ``behaviour`` is the model's behaviour up to and including the diverging step.
    """

    step: int
    action: str | None
    path: str
    model: str
    implementation: str
    behaviour: Behaviour
    reason: str = "differs"

    def describe(self) -> str:
        where = "after reset" if self.step == 0 else f"at step {self.step}, {self.action}"
        if self.reason != "differs":
            return f"{where}: {self.reason}"
        return (f"{where}: {self.path} is {self.model} in the model but "
                f"{self.implementation} in the implementation")


class ConformanceError(AssertionError):
    """The implementation diverged from the model; ``divergence`` says where."""

    def __init__(self, message: str, divergence: Divergence | None = None) -> None:
        super().__init__(message)
        self.divergence = divergence


class _Diverged(Exception):
    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.describe())
        self.divergence = divergence


# ---- plain values --------------------------------------------------------------------------


def to_plain(v: R.Value) -> Any:
    """A display value as plain Python (dict, frozenset, tuple, ...), for adapters."""
    if isinstance(v, R.VMap):
        return {to_plain(k): to_plain(x) for k, x in v.pairs}
    if isinstance(v, R.VRecord):
        return {k: to_plain(x) for k, x in v.fields}
    if isinstance(v, R.VSet):
        return frozenset(to_plain(x) for x in v.items)
    if isinstance(v, (R.VTuple, R.VSeq)):
        return tuple(to_plain(x) for x in v.items)
    return v


def plain_state(model: M.Model, state: sem.State) -> dict[str, Any]:
    """The spec variables of a state as plain values, by name (fault counters left out)."""
    return {v.name: to_plain(T.display(v.ty, x))
            for v, x in zip(model.variables[:model.n_spec_vars], state)}


def _normal(v: Any) -> Any:
    """An implementation's value in the shape ``to_plain`` gives."""
    if isinstance(v, enum.Enum):
        return v.name
    if isinstance(v, Mapping):
        return {_normal(k): _normal(x) for k, x in v.items()}
    if isinstance(v, (set, frozenset)):
        return frozenset(_normal(x) for x in v)
    if isinstance(v, (list, tuple)):
        return tuple(_normal(x) for x in v)
    return v


def _first_difference(path: str, mine: Any, theirs: Any) -> tuple[str, Any, Any] | None:
    """The first sub-path where the two plain values differ (bool never equals int)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for k in mine:
            if k not in theirs:
                return f"{path}[{_show(k)}]", mine[k], "(missing)"
            d = _first_difference(f"{path}[{_show(k)}]", mine[k], theirs[k])
            if d is not None:
                return d
        extra = [k for k in theirs if k not in mine]
        return (f"{path}[{_show(extra[0])}]", "(no such key)", theirs[extra[0]]) if extra else None
    if isinstance(mine, tuple) and isinstance(theirs, tuple) and len(mine) == len(theirs):
        for i, (a, b) in enumerate(zip(mine, theirs)):
            d = _first_difference(f"{path}[{i}]", a, b)
            if d is not None:
                return d
        return None
    same = mine == theirs and isinstance(mine, bool) == isinstance(theirs, bool)
    return None if same else (path, mine, theirs)


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_show(k)}: {_show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(_show(x) for x in v)) + "}"
    if isinstance(v, tuple):
        return "(" + ", ".join(_show(x) for x in v) + ")"
    return str(v)


def _compare(model: M.Model, state: sem.State,
             observed: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
    """The first difference between the model's state and an observation, in the order
    of the spec's variables."""
    expected = plain_state(model, state)
    for name in expected:
        if name in observed:
            d = _first_difference(name, expected[name], _normal(observed[name]))
            if d is not None:
                return d
    return None


# ---- the test --------------------------------------------------------------------------------


def check_conformance(model: M.Model, make_adapter: Callable[[], Adapter], *,
                      examples: int = 100, max_steps: int = 30, fault_rate: float = 0.25,
                      seed_value: int | None = None) -> None:
    """Drive implementations from ``make_adapter()`` (a fresh one per behaviour) along up to
    ``examples`` behaviours of ``model`` of at most ``max_steps`` steps; raise
    ``ConformanceError`` with the shrunk behaviour and the first divergence if one occurs.

    Hypothesis settings come from the current profile (``derandomize`` in CI) with the
    example count given here; ``seed_value`` fixes the random seed. Run-time error
    transitions of the spec are never drawn. Use it in a test::

        def test_triad_conforms():
            check_conformance(load_spec(Path("specs/triad.fsl")), lambda: TriadAdapter(...))
    """
    walker = Walker(model, fault_rate=fault_rate, errors=False)
    names = {v.name for v in model.variables[:model.n_spec_vars]}

    def diverged(step: int, b: Behaviour, action: str | None, diff: tuple[str, Any, Any] | None,
                 reason: str = "differs") -> _Diverged:
        path, mine, theirs = diff if diff is not None else ("", "", "")
        return _Diverged(Divergence(step, action, path, _show(mine), _show(theirs), b, reason))

    def observe(adapter: Adapter) -> Mapping[str, Any]:
        obs = adapter.observe()
        unknown = sorted(set(obs) - names)
        if unknown:
            raise ConformanceError(
                f"observe() returned `{unknown[0]}`, which is not a variable of {model.name}; "
                f"its variables are: {', '.join(sorted(names))}")
        return obs

    @st.composite
    def run(draw: st.DrawFn) -> None:
        adapter = make_adapter()
        index = walker.draw_initial(draw)
        state = walker.initial[index]
        states: list[sem.State] = [state]
        taken: list[sem.Transition] = []
        adapter.reset(plain_state(model, state))
        b = Behaviour(model, index, (state,), ())
        d = _compare(model, state, observe(adapter))
        if d is not None:
            raise diverged(0, b, None, d)
        for step in range(1, max_steps + 1):
            if not walker.expandable(state) or draw(below(max_steps + 1)) == 0:
                break
            tr = walker.draw_step(draw, state)
            if tr is None:
                break
            action = model.actions[tr.action]
            params = {p.name: to_plain(T.display(p.ty, v)) for p, v in zip(action.params, tr.params)}
            label = step_label(model, tr)
            assert tr.target is not None  # the walker draws no error transitions here
            try:
                adapter.apply(action.name, params)
                obs = observe(adapter)
            except ConformanceError:
                raise
            except Exception as e:  # the implementation's own failure is a divergence too
                b = Behaviour(model, index, (*states, tr.target), (*taken, tr))
                raise diverged(step, b, label, None,
                               f"the implementation raised {type(e).__name__}: {e}") from None
            # The implementation may resolve the spec's choices (either / pick) its own way:
            # follow the drawn outcome if it matches, else the first that does.
            chosen, diff = tr, _compare(model, tr.target, obs)
            if diff is not None:
                for other in instance_transitions(model, state, action, tr.params):
                    if other.target is not None and _compare(model, other.target, obs) is None:
                        chosen, diff = other, None
                        break
            assert chosen.target is not None
            taken.append(chosen)
            states.append(chosen.target)
            if diff is not None:
                b = Behaviour(model, index, tuple(states), tuple(taken))
                raise diverged(step, b, label, diff)
            state = chosen.target

    # The current profile's settings (derandomized in CI), except that an explicit seed
    # wins over derandomization.
    base = settings(settings.default, max_examples=examples, database=None, deadline=None,
                    phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, report_multiple_bugs=False)
    if seed_value is not None:
        base = settings(base, derandomize=False)

    @base
    @given(run())
    def test(_: None) -> None:
        pass

    if seed_value is not None:
        test = seed(seed_value)(test)
    try:
        test()
    except _Diverged as e:
        raise ConformanceError(_message(model, e.divergence), e.divergence) from None


def _message(model: M.Model, d: Divergence) -> str:
    b = d.behaviour
    lines = [f"{model.name}: the implementation diverges from the model {d.describe()}",
             f"shrunk behaviour ({len(b)} step{'s' if len(b) != 1 else ''}, "
             f"{b.faults} fault{'s' if b.faults != 1 else ''}):"]
    for i, label in enumerate(b.labels(), 1):
        fault = "  [fault]" if model.actions[b.transitions[i - 1].action].fault else ""
        mark = "  <- diverges here" if i == d.step else ""
        lines.append(f"  {i}. {label}{fault}{mark}")
    if d.step == 0:
        lines.append("  (right after reset, before any step)")
    return "\n".join(lines)
