"""Stage 6 of the pipeline: the plain result data every engine returns.

Engines (explicit, symbolic, fuzzing) produce a ``CheckResult``; reports (text,
Markdown, HTML, JSON, ITF) render it and never reach back into an engine. Values
are engine-neutral *display values*: bool, int, str (an enum member), None (the
``none`` value) and the small tagged containers below, so a result can be saved as
JSON and re-rendered later without the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

SCHEMA_VERSION = 3


@dataclass(frozen=True, slots=True)
class VSet:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class VMap:
    pairs: tuple[tuple[Value, Value], ...]


@dataclass(frozen=True, slots=True)
class VRecord:
    fields: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class VTuple:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class VSeq:
    items: tuple[Value, ...]


Value = Union[bool, int, str, None, VSet, VMap, VRecord, VTuple, VSeq]

# A state as reports see it: (variable name, value) in declaration order; checker-added
# fault counters come last, named ``faults.<Action>`` (or ``faults.total``).
DisplayState = tuple[tuple[str, Value], ...]


def format_value(v: Value) -> str:
    """A value in the spec's own syntax: ``{a, b}``, ``{P: true, S: false}``, ``[1, 2]``."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, VSet):
        return "{" + ", ".join(format_value(x) for x in v.items) + "}"
    if isinstance(v, VMap):
        return "{" + ", ".join(f"{format_value(k)}: {format_value(x)}" for k, x in v.pairs) + "}"
    if isinstance(v, VRecord):
        return "{" + ", ".join(f"{k}: {format_value(x)}" for k, x in v.fields) + "}"
    if isinstance(v, VTuple):
        return "(" + ", ".join(format_value(x) for x in v.items) + ")"
    return "[" + ", ".join(format_value(x) for x in v.items) + "]"


@dataclass(frozen=True, slots=True)
class Step:
    """One transition: the action, its parameter values, whether it is a fault, and the
    state after it (``None`` when the step failed with a runtime error)."""

    action: str
    params: tuple[tuple[str, Value], ...]
    fault: bool
    state: DisplayState | None

    def label(self) -> str:
        args = ", ".join(format_value(v) for _, v in self.params)
        return f"{self.action}({args})" if self.params else self.action


@dataclass(frozen=True, slots=True)
class Trace:
    """An initial state and the steps from it. For an invariant the last state violates
    it; for a runtime error the last step has ``state=None`` and ``error`` says why."""

    initial: DisplayState
    steps: tuple[Step, ...]
    error: str | None = None
    # Timeline lanes (from the spec's `lane s in D: label` annotation, or a default):
    # (lane name, label at state 0..len(steps)); a failed last step repeats no label.
    lanes: tuple[tuple[str, tuple[Value, ...]], ...] = ()
    # Timeline arrows (from the spec's `message Action(p, q): from -> to` annotations):
    # (step number 1..len(steps), sender's lane value, receiver's lane value).
    arrows: tuple[tuple[int, Value, Value], ...] = ()
    # A liveness counterexample is a lasso: the trigger holds in state ``trigger``; the
    # behaviour then repeats states ``loop``..len(steps) forever (the last step leads back
    # to state ``loop``), or, with ``stutter``, stays in its last state (``loop``) forever.
    loop: int | None = None
    trigger: int | None = None
    stutter: bool = False
    # Every label a lane can show, in the spec's order (the label's type), so that a
    # label has one colour in every report of a spec; () when not known.
    lane_values: tuple[Value, ...] = ()

    def __len__(self) -> int:
        return len(self.steps)


# Verdicts of a property.
HOLDS = "holds"            # invariant true in every explored state / witness reached
VIOLATED = "violated"      # counterexample trace attached
VACUOUS = "vacuous"        # a `reachable` property never reached in a complete search
INCONCLUSIVE = "inconclusive"  # a limit, an interrupt or a solver's unknown

# Property kinds: the spec's `invariant` and `reachable`, plus the checker's own.
INVARIANT = "invariant"
REACHABLE = "reachable"
DEADLOCK = "deadlock"
RUNTIME = "runtime-error"
LIVENESS = "liveness"


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    col: int
    source_line: str = ""


@dataclass(frozen=True, slots=True)
class PropertyResult:
    name: str
    kind: str
    verdict: str
    trace: Trace | None = None
    location: Location | None = None
    doc: str | None = None
    expected: str | None = None  # "holds" / "violated" from the model, if given
    note: str | None = None
    # A counterexample to induction (``verifier prove``): steps from a state where the
    # invariants hold, not necessarily reachable, to one where this invariant fails.
    cti: Trace | None = None

    @property
    def as_expected(self) -> bool | None:
        if self.expected is None:
            return None
        if self.verdict == INCONCLUSIVE:
            return False
        got = VIOLATED if self.verdict in (VIOLATED, VACUOUS) else HOLDS
        return got == self.expected


@dataclass(frozen=True, slots=True)
class ActionCoverage:
    name: str
    fault: bool
    enabled: int  # states in which the action had at least one transition
    taken: int    # transitions of the action that were explored
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    bytes_per_state: float = 0.0
    initial_states: int = 0
    compile_seconds: float = 0.0   # generating and compiling code before the search

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Symmetry:
    """Symmetry reduction in an explicit run of a spec with ``symmetric`` enums: with
    ``reduced``, one state was stored per class of states that differ by a renaming of
    the members of ``enums`` (a group of ``group_size`` renamings; ``method`` says how the
    canonical state is found: "sort", "permutations" or "sort+permutations"), and the
    stored states stand for ``represents`` states (the sum of their classes' sizes; 0:
    not counted). Else ``note`` says why every state was stored."""

    enums: tuple[str, ...]
    reduced: bool
    method: str = ""
    group_size: int = 1
    represents: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    model: str                      # the model's name (file stem) or the spec's
    spec_path: str
    engine: str                     # "explicit", "bmc", "induction", "fuzz", ...
    complete: bool                  # False when a limit or an interrupt stopped the run
    stop_reason: str | None         # e.g. "state limit (1000000)", "interrupted"
    properties: tuple[PropertyResult, ...]
    stats: Stats = field(default_factory=Stats)
    coverage: tuple[ActionCoverage, ...] = ()
    fault_combinations: tuple[tuple[tuple[str, int], ...], ...] = ()
    constants: tuple[tuple[str, Value], ...] = ()
    warnings: tuple[str, ...] = ()
    vacuity_is_error: bool = False
    schema_version: int = SCHEMA_VERSION
    # the explicit engine's successor computation: "kernel" (native code), "python"
    # (generated Python) or "reference" (the reference semantics); and why a faster one
    # did not apply
    backend: str = ""
    backend_note: str | None = None
    symmetry: Symmetry | None = None  # None: the spec has no symmetric enum (or no explicit run)
