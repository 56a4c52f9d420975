"""Reports stage, shared part: what changed between two states of a trace.

Every renderer shows a counterexample the way TLC's difftrace does: the initial
state in full, then per step only the variables that changed. Maps and records are
opened up so that a step shows ``role[P]: master -> follower`` rather than two whole
maps. Equality here is strict about types (``True`` is not ``1``), unlike Python's
``==`` on the display values.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from verifier.results import (
    DisplayState,
    Step,
    Trace,
    Value,
    VMap,
    VRecord,
    VSeq,
    VSet,
    VTuple,
    format_value,
)

ABSENT = "(absent)"


@dataclass(frozen=True, slots=True)
class Change:
    """One changed place: ``path`` is a variable, ``var[key]`` or ``var.field``;
    ``old``/``new`` are formatted values, or ``ABSENT`` when the place appeared or
    disappeared (a map key added or removed)."""

    path: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class StepView:
    """A step of a trace ready for display: its number (1-based), the step itself,
    the changes it made and, when it failed, the runtime error."""

    number: int
    step: Step
    changes: tuple[Change, ...]
    error: str | None


def strict_key(v: Value) -> Hashable:
    """A hashable key that tells apart values Python's ``==`` confuses (``True``/``1``)."""
    if v is None or isinstance(v, (bool, int, str)):
        return (type(v).__name__, v)
    if isinstance(v, VMap):
        return ("map", tuple((strict_key(k), strict_key(x)) for k, x in v.pairs))
    if isinstance(v, VRecord):
        return ("record", tuple((k, strict_key(x)) for k, x in v.fields))
    tag = {VSet: "set", VTuple: "tuple", VSeq: "seq"}[type(v)]
    return (tag, tuple(strict_key(x) for x in v.items))


def same(a: Value, b: Value) -> bool:
    return strict_key(a) == strict_key(b)


def diff_value(path: str, old: Value, new: Value) -> list[Change]:
    """The changes from ``old`` to ``new`` at ``path``, opening maps and records."""
    if same(old, new):
        return []
    if isinstance(old, VMap) and isinstance(new, VMap):
        olds = {strict_key(k): (k, x) for k, x in old.pairs}
        news = {strict_key(k): (k, x) for k, x in new.pairs}
        changes: list[Change] = []
        for sk, (k, x) in olds.items():
            where = f"{path}[{format_value(k)}]"
            if sk in news:
                changes += diff_value(where, x, news[sk][1])
            else:
                changes.append(Change(where, format_value(x), ABSENT))
        for sk, (k, x) in news.items():
            if sk not in olds:
                changes.append(Change(f"{path}[{format_value(k)}]", ABSENT, format_value(x)))
        return changes
    if (isinstance(old, VRecord) and isinstance(new, VRecord)
            and [f for f, _ in old.fields] == [f for f, _ in new.fields]):
        changes = []
        for (name, x), (_, y) in zip(old.fields, new.fields, strict=True):
            changes += diff_value(f"{path}.{name}", x, y)
        return changes
    return [Change(path, format_value(old), format_value(new))]


def diff_states(old: DisplayState, new: DisplayState) -> tuple[Change, ...]:
    """Variables that changed, in the new state's declaration order."""
    before = dict(old)
    changes: list[Change] = []
    for name, value in new:
        if name in before:
            changes += diff_value(name, before[name], value)
        else:
            changes.append(Change(name, ABSENT, format_value(value)))
    after = {name for name, _ in new}
    for name, value in old:
        if name not in after:
            changes.append(Change(name, format_value(value), ABSENT))
    return tuple(changes)


def step_views(trace: Trace) -> tuple[StepView, ...]:
    """Each step with its changes; a step without a successor state carries the
    trace's runtime error (or a placeholder when the engine gave none)."""
    views: list[StepView] = []
    prev: DisplayState | None = trace.initial
    for i, step in enumerate(trace.steps, start=1):
        if step.state is None:
            error = trace.error or "the step failed (no successor state)"
            views.append(StepView(i, step, (), error))
        else:
            changes = diff_states(prev, step.state) if prev is not None else ()
            views.append(StepView(i, step, changes, None))
        prev = step.state
    return tuple(views)


def changed_names(old: DisplayState, new: DisplayState) -> frozenset[str]:
    """Names of the variables whose value differs (or that appear in only one state)."""
    before = {name: strict_key(v) for name, v in old}
    after = {name: strict_key(v) for name, v in new}
    return frozenset(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
