"""The successor interface of the explicit engine, and its reference implementation.

A ``Stepper`` hides how states are represented (packed ints or tuples) and how
successors are computed. The BFS loop (``verifier/engine/explicit.py``) only calls
``initial``, ``expand``, ``fired`` and ``constraint_ok``. ``ReferenceStepper`` runs the
reference semantics and packs states with ``verifier.lang.typesys``; the compiled stepper
(``verifier/engine/codegen/level.py``) must produce exactly the same transitions in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

ERROR = -1  # an error transition in ``expand``'s output (packed states are never negative)


class Stepper(Protocol):
    packed: bool               # states are non-negative ints (else tuples)
    has_constraints: bool      # whether some state may be left unexpanded by a constraint
    enabled: list[int]         # per action: states in which it had a transition
    taken: list[int]           # per action: transitions explored

    def initial(self) -> list[Any]: ...

    def expand_level(self, states: list[Any], out: list[Any], ends: list[int],
                     errs: list[tuple[int, int, str]], skipped: list[int]) -> None:
        """For each state in order: if a constraint fails, add its index to ``skipped``;
        else append the target of every transition to ``out`` (``ERROR`` for an error
        transition, whose (position in out, action, message) goes to ``errs``). Then
        append ``len(out)`` to ``ends``."""

    def scan(self, states: list[Any], monitors: list[int]) -> list[tuple[int, list[int]]]:
        """(index, monitors that fire) for each state where one of ``monitors`` fires
        (an invariant false, a reachable true)."""

    def decode(self, s: Any) -> sem.State: ...

    def truth(self, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
              states: list[Any]) -> list[bool]:
        """The value of the boolean ``cond`` in each state, with each parameter of
        ``binding`` bound to its value; a run-time error raises ``semantics.EvalError``."""

    def expand_labelled(self, state: Any) -> list[tuple[int, Any]]:
        """(instance, target) of every transition from ``state``, in ``expand_level``'s
        order (target ``ERROR`` for an error transition; none past a failed constraint).
        Instances are numbered over all actions in ``model.actions`` order, each action's
        parameter valuations in ``semantics.param_valuations`` order (``instance_bases``)."""


def instance_bases(model: M.Model) -> list[int]:
    """The number of action ``a``'s first instance in ``Stepper.expand_labelled`` (and one
    more entry: the total): the instances of the actions before it come first."""
    out = [0]
    for a in model.actions:
        out.append(out[-1] + len(sem.param_valuations(a)))
    return out


def reference_truth(cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
                    states: Iterable[sem.State]) -> list[bool]:
    """``Stepper.truth`` by the reference semantics, on decoded states."""
    env = {p.slot: v for p, v in binding}
    return [bool(sem.evaluate(cond, s, env)) for s in states]


class Layout:
    """Bit offsets of each variable in a packed state (first variable lowest)."""

    def __init__(self, model: M.Model) -> None:
        self.types = tuple(v.ty for v in model.variables)
        self.packable = all(T.is_finite(t) for t in self.types)
        self.offsets: list[int] = []
        self.widths: list[int] = []
        off = 0
        if self.packable:
            for t in self.types:
                w = T.width(t)
                self.offsets.append(off)
                self.widths.append(w)
                off += w
        self.total_bits = off

    def pack(self, state: sem.State) -> int:
        out = 0
        for t, off, v in zip(self.types, self.offsets, state):
            out |= T.encode(t, v) << off
        return out

    def unpack(self, bits: int) -> sem.State:
        return tuple(T.decode(t, (bits >> off) & ((1 << w) - 1))
                     for t, off, w in zip(self.types, self.offsets, self.widths))


class ReferenceStepper:
    """Successors by the reference semantics; states packed when every type is finite."""

    def __init__(self, model: M.Model, monitors: tuple[M.Property, ...]) -> None:
        self.model = model
        self.monitors = monitors
        self.layout = Layout(model)
        self.packed = self.layout.packable
        self.enabled = [0] * len(model.actions)
        self.taken = [0] * len(model.actions)
        self.constraints = model.constraints
        self.has_constraints = bool(model.constraints)
        self._instances: list[dict[tuple[Any, ...], int]] | None = None

    def _state(self, s: Any) -> sem.State:
        return self.layout.unpack(s) if self.packed else s

    def _repr(self, state: sem.State) -> Any:
        return self.layout.pack(state) if self.packed else state

    def initial(self) -> list[Any]:
        return [self._repr(s) for s in sem.initial_states(self.model)]

    def expand_level(self, states: list[Any], out: list[Any], ends: list[int],
                     errs: list[tuple[int, int, str]], skipped: list[int]) -> None:
        for i, s in enumerate(states):
            state = self._state(s)
            if any(sem.fires(c, state) for c in self.constraints):
                skipped.append(i)
                ends.append(len(out))
                continue
            seen_actions: set[int] = set()
            for tr in sem.successors(self.model, state):
                seen_actions.add(tr.action)
                self.taken[tr.action] += 1
                if tr.target is None:
                    assert tr.error is not None
                    errs.append((len(out), tr.action, tr.error.describe()))
                    out.append(ERROR)
                else:
                    out.append(self._repr(tr.target))
            for a in seen_actions:
                self.enabled[a] += 1
            ends.append(len(out))

    def scan(self, states: list[Any], monitors: list[int]) -> list[tuple[int, list[int]]]:
        hits = []
        for k, s in enumerate(states):
            state = self._state(s)
            fired = [i for i in monitors if sem.fires(self.monitors[i], state)]
            if fired:
                hits.append((k, fired))
        return hits

    def decode(self, s: Any) -> sem.State:
        return self._state(s)

    def truth(self, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
              states: list[Any]) -> list[bool]:
        return reference_truth(cond, binding, map(self._state, states))

    def expand_labelled(self, state: Any) -> list[tuple[int, Any]]:
        if self._instances is None:
            bases = instance_bases(self.model)
            self._instances = [{v: bases[a.index] + k for k, v in enumerate(sem.param_valuations(a))}
                               for a in self.model.actions]
        s = self._state(state)
        if any(sem.fires(c, s) for c in self.constraints):
            return []
        out: list[tuple[int, Any]] = []
        seen: set[int] = set()
        for tr in sem.successors(self.model, s):
            self.taken[tr.action] += 1
            seen.add(tr.action)
            gid = self._instances[tr.action][tr.params]
            out.append((gid, ERROR if tr.target is None else self._repr(tr.target)))
        for a in seen:
            self.enabled[a] += 1
        return out
