"""Reports stage, shared part: the timeline of a trace as lanes, segments and marks.

A lane is one process instance (a server): the spec's ``lane s in D: label``
annotation gives a label value per state (``Trace.lanes``); without it the first
map-valued variable whose keys are enum members supplies one lane per key,
labelled by that map's value. Consecutive equal labels merge into segments. A
fault step marks the lanes named by one of its parameters (``CutLink(P, T)`` marks
lanes P and T; a tuple or set parameter names its items too), or every lane when it
names none. A step with an arrow (the spec's ``message`` annotation, ``Trace.arrows``)
points from the sender's lane to the receiver's. Colours are assigned per
distinct label value in the order of the label's type when the trace carries it
(``Trace.lane_values``: an enum's declaration order), so a value has the same colour in
every report of one spec; labels that name a stopped state (``Down``, ``Off``,
``CutOff``, ``Crashed``...) and ``false`` are grey, never a colour of the palette, and
other labels follow in order of first appearance across the report.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from verifier.reports.diff import strict_key
from verifier.reports.summary import messages
from verifier.results import Trace, Value, VMap, VSeq, VSet, VTuple, format_value

# Colour-blind-friendly, distinct on white; text colour chosen per fill below.
# Red comes last: it is the colour of faults and violations.
PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#b07aa1",
    "#edc948", "#9c755f", "#ff9da7", "#8cd17d", "#e15759",
)
NONE_FILL = "#d9d9d9"   # the `none` label (e.g. "no role"): neutral grey
FALSE_FILL = "#a0a0a0"  # `false` (e.g. "not up"): darker grey
# Labels of a stopped process: greys, never green (in the order of the spec's values).
DOWN_FILLS = ("#7f7f7f", "#bdbdbd", "#5c5c5c", "#9a9a9a")
DOWN_WORDS = frozenset({"down", "off", "offline", "crashed", "crash", "failed", "dead",
                        "stopped", "halted", "isolated", "unavailable"})


def is_down(label: Value) -> bool:
    """Whether a label names a stopped or unreachable state: a word of it (split at
    capitals, digits and underscores) is one of ``DOWN_WORDS``."""
    if not isinstance(label, str) or isinstance(label, bool):
        return False
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", label)
    return any(w.lower() in DOWN_WORDS for w in words)


@dataclass(frozen=True, slots=True)
class Segment:
    """A label held over states ``start`` .. ``end - 1``."""

    start: int
    end: int
    label: Value


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class FaultMark:
    """A fault at ``step`` (between states step-1 and step); ``lanes`` empty means the
    step names no lane and the mark goes on the axis, across all lanes."""

    step: int
    action: str
    lanes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArrowMark:
    """A message at ``step`` (between states step-1 and step) from lane ``source`` to
    lane ``target`` (the same lane for a message to itself)."""

    step: int
    action: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Timeline:
    lanes: tuple[Lane, ...]
    states: int                  # number of state columns (len(steps) + 1)
    actions: tuple[str, ...]     # label of step 1..len(steps)
    fault_steps: tuple[int, ...]
    faults: tuple[FaultMark, ...]
    error_step: int | None       # the step that failed with a runtime error
    derived_from: str | None     # the variable the lanes came from, if not annotated
    arrows: tuple[ArrowMark, ...] = ()
    values: tuple[Value, ...] = ()  # every label the lanes can show, in the spec's order
    # a lasso (liveness counterexample): the state column its loop starts at, and whether
    # the behaviour instead stays in its last state forever
    loop: int | None = None
    stutter: bool = False


def default_lanes(trace: Trace) -> tuple[tuple[tuple[str, tuple[Value, ...]], ...], str | None]:
    """Lanes from the first map-valued variable with string (enum) keys, and its name."""
    for name, value in trace.initial:
        if (isinstance(value, VMap) and value.pairs
                and all(isinstance(k, str) for k, _ in value.pairs)):
            keys = [k for k, _ in value.pairs if isinstance(k, str)]
            lanes = []
            for key in keys:
                labels: list[Value] = []
                states = [trace.initial] + [s.state for s in trace.steps]
                for state in states:
                    if state is None:
                        break
                    labels.append(_lookup(dict(state).get(name), key))
                lanes.append((str(key), tuple(labels)))
            return tuple(lanes), name
    return (), None


def _lookup(m: Value, key: str) -> Value:
    if isinstance(m, VMap):
        for k, v in m.pairs:
            if k == key and isinstance(k, str):
                return v
    return None


def _segments(labels: tuple[Value, ...]) -> tuple[Segment, ...]:
    segs: list[Segment] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or strict_key(labels[i]) != strict_key(labels[start]):
            segs.append(Segment(start, i, labels[start]))
            start = i
    return tuple(segs)


def _named(v: Value) -> list[str]:
    """The formatted value, then those of its items when it is a tuple, set or
    sequence: ``CutLink(l)`` with ``l = (P, T)`` names lanes P and T."""
    out = [format_value(v)]
    if isinstance(v, (VTuple, VSet, VSeq)):
        for item in v.items:
            out += _named(item)
    return out


def timeline_of(trace: Trace) -> Timeline:
    raw = trace.lanes
    derived: str | None = None
    if not raw:
        raw, derived = default_lanes(trace)
    states = len(trace.steps) + 1
    # A lane never runs past the last state (labels beyond it would be malformed input).
    lanes = tuple(Lane(name, _segments(labels[:states])) for name, labels in raw)
    names = {lane.name for lane in lanes}
    faults = []
    for i, step in enumerate(trace.steps, start=1):
        if step.fault:
            touched: list[str] = []
            for _, v in step.params:
                for text in _named(v):
                    if text in names and text not in touched:
                        touched.append(text)
            faults.append(FaultMark(i, step.label(), tuple(touched)))
    error_step = None
    if trace.steps and trace.steps[-1].state is None:
        error_step = len(trace.steps)
    # Arrows between drawn lanes only, one per step, none on a failed step.
    arrows = tuple(ArrowMark(step, trace.steps[step - 1].label(), a, b)
                   for step, (a, b) in sorted(messages(trace).items())
                   if a in names and b in names)
    return Timeline(
        lanes=lanes,
        states=states,
        actions=tuple(s.label() for s in trace.steps),
        fault_steps=tuple(i for i, s in enumerate(trace.steps, start=1) if s.fault),
        faults=tuple(faults),
        error_step=error_step,
        derived_from=derived,
        arrows=arrows,
        values=trace.lane_values if trace.lanes else (),
        loop=trace.loop if trace.loop is not None and 0 <= trace.loop < states else None,
        stutter=trace.stutter,
    )


@dataclass(frozen=True, slots=True)
class Colours:
    """Fill colour per label value (by strict key), in order of first appearance."""

    fills: tuple[tuple[Hashable, str], ...]

    def fill(self, label: Value) -> str:
        key = strict_key(label)
        for k, colour in self.fills:
            if k == key:
                return colour
        return NONE_FILL


def assign_colours(timelines: Iterable[Timeline]) -> Colours:
    """One fill per label: first every value the spec's lane label can take, in its
    order (so the same in every report of the spec), then the labels met in the
    timelines that are not among them, in order of first appearance."""
    tls = list(timelines)
    fills: list[tuple[Hashable, str]] = []
    seen: set[Hashable] = set()
    counts = {"palette": 0, "down": 0}

    def add(label: Value) -> None:
        key = strict_key(label)
        if key in seen:
            return
        seen.add(key)
        if label is None:
            colour = NONE_FILL
        elif label is False:
            colour = FALSE_FILL
        elif is_down(label):
            colour = DOWN_FILLS[counts["down"] % len(DOWN_FILLS)]
            counts["down"] += 1
        else:
            colour = PALETTE[counts["palette"] % len(PALETTE)]
            counts["palette"] += 1
        fills.append((key, colour))

    for tl in tls:
        for v in tl.values:
            add(v)
    for tl in tls:
        for lane in tl.lanes:
            for seg in lane.segments:
                add(seg.label)
    return Colours(tuple(fills))


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (#rrggbb)."""
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return "#111111" if luminance > 150 else "#ffffff"


def legend(tl: Timeline) -> tuple[Value, ...]:
    """Distinct labels of a timeline, in order of first appearance (lane by lane)."""
    out: list[Value] = []
    seen: set[Hashable] = set()
    for lane in tl.lanes:
        for seg in lane.segments:
            key = strict_key(seg.label)
            if key not in seen:
                seen.add(key)
                out.append(seg.label)
    return tuple(out)
