"""Reports stage, shared part: the facts every format states about a result.

Text, Markdown and HTML show the same summary, verdict table, coverage and
warnings; this module derives them once, as plain strings, so the renderers only
decide layout and escaping. Numbers are formatted here, deterministically (no
locale, fixed precision), so that identical results give byte-identical reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.results import (
    DEADLOCK,
    HOLDS,
    INCONCLUSIVE,
    INVARIANT,
    LIVENESS,
    REACHABLE,
    RUNTIME,
    VACUOUS,
    VIOLATED,
    CheckResult,
    PropertyResult,
    Trace,
    format_value,
)

# How a verdict, a match or a coverage row should look: colour and emphasis are
# chosen from these tones by each renderer.
GOOD = "good"
BAD = "bad"
WARN = "warn"
PLAIN = "plain"

NOT_RECORDED = "not recorded"


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    literal: bool = False  # a name, path or value: shown as code where a format can


@dataclass(frozen=True, slots=True)
class VerdictRow:
    name: str
    kind: str
    verdict: str
    expected: str   # "-" when the model gives no expectation
    matched: str    # "as expected" / "NOT as expected" / "-"
    tone: str       # GOOD / BAD / WARN / PLAIN, for the verdict cell
    match_tone: str
    note: str | None


@dataclass(frozen=True, slots=True)
class CoverageRow:
    name: str
    fault: bool
    enabled: str
    taken: str
    never_enabled: bool
    flag: str        # "never enabled", "not enabled so far" (incomplete search) or ""
    where: str | None


def count(n: int) -> str:
    return f"{n:,}"


def seconds(s: float) -> str:
    return f"{s:.2f} s"


BACKENDS = {"kernel": "kernel (native code)", "python": "python (generated Python code)",
            "reference": "reference semantics"}


def engine_line(result: CheckResult) -> str:
    """``explicit, kernel (native code)``; with the reason when a faster path did not apply."""
    if not result.backend:
        return result.engine
    line = f"{result.engine}, {BACKENDS.get(result.backend, result.backend)}"
    if result.backend_note:
        line += f"; {result.backend_note}"
    return line


def overview_facts(result: CheckResult) -> tuple[Fact, ...]:
    facts = [
        Fact("Model", result.model, literal=True),
        Fact("Spec", result.spec_path, literal=True),
        Fact("Engine", engine_line(result)),
        Fact("Search", search_status(result)),
    ]
    if result.constants:
        facts.append(Fact("Constants", ", ".join(
            f"{name} = {format_value(v)}" for name, v in result.constants), literal=True))
    facts.append(Fact("Outcome", outcome_line(result)))
    return tuple(facts)


SYMBOLIC_SEARCH = {
    "induction": "symbolic proof by induction (no states enumerated)",
    "k-induction": "symbolic proof by k-induction (no states enumerated)",
    "chc": "symbolic proof for every reachable state, unbounded (Z3 Spacer)",
}


def is_symbolic(result: CheckResult) -> bool:
    """Results of `verifier prove`: no states are enumerated, so state counts mean nothing."""
    return result.engine in SYMBOLIC_SEARCH or result.engine == "bmc"


def statistics_facts(result: CheckResult) -> tuple[Fact, ...]:
    s = result.stats
    # Zero means "not recorded": reports meant to be byte-identical leave run
    # times and memory out.
    time = Fact("Time", seconds(s.seconds) if s.seconds > 0 else NOT_RECORDED)
    if s.compile_seconds > 0:
        time = Fact("Time", f"{seconds(s.seconds)} search, {seconds(s.compile_seconds)} compile")
    if result.engine == "bmc":
        return (Fact("Depth", f"{count(s.depth)} steps unrolled"), time)
    if result.engine == "k-induction":
        return (Fact("Depth", f"k up to {count(s.depth)}"), time)
    if is_symbolic(result):
        return (time,)
    return (
        Fact("States", f"{count(s.states)} distinct ({count(s.initial_states)} initial)"),
        Fact("Transitions", count(s.transitions)),
        Fact("Depth", count(s.depth)),
        time,
        Fact("Speed", f"{s.states_per_second:,.0f} states/s" if s.seconds > 0 else NOT_RECORDED),
        Fact("Peak memory", f"{s.peak_memory_mb:,.1f} MB" if s.peak_memory_mb > 0
             else NOT_RECORDED),
        Fact("Bytes per state", f"{s.bytes_per_state:,.1f}" if s.bytes_per_state > 0
             else NOT_RECORDED),
    )


def search_status(result: CheckResult) -> str:
    if result.engine == "replay":  # `verifier replay`: only the states that explain a log
        return f"trace validation, {result.stop_reason or 'of a log'}"
    if not result.complete:
        return f"incomplete: {result.stop_reason or 'stopped early'}"
    if result.engine == "bmc":
        return "complete: every property decided (see the notes)"
    if result.engine in SYMBOLIC_SEARCH:
        return SYMBOLIC_SEARCH[result.engine]
    return "complete (every reachable state explored)"


def verdict_tally(tally: dict[str, int]) -> str:
    """E.g. ``1 violated, 3 holding, 1 vacuous``: words that read for any count."""
    words = {HOLDS: "holding", VIOLATED: "violated", VACUOUS: "vacuous",
             INCONCLUSIVE: "inconclusive"}
    order = [VIOLATED, HOLDS, VACUOUS, INCONCLUSIVE]
    order += sorted(v for v in tally if v not in order)
    return ", ".join(f"{tally[v]} {words.get(v, v)}" for v in order if v in tally)


def outcome_line(result: CheckResult) -> str:
    """E.g. ``1 violated, 3 holding, 1 vacuous; 1 not as expected``."""
    tally: dict[str, int] = {}
    for p in result.properties:
        tally[p.verdict] = tally.get(p.verdict, 0) + 1
    line = verdict_tally(tally) or "no properties"
    unexpected = sum(1 for p in result.properties if p.as_expected is False)
    if unexpected:
        line += f"; {unexpected} not as expected"
    elif any(p.expected is not None for p in result.properties):
        line += "; all as expected"
    return line


def verdict_tone(p: PropertyResult, vacuity_is_error: bool = False) -> str:
    """The verdict's own tone, whatever the model expects: a violation is BAD even when
    expected (whether it was expected is the match column's tone)."""
    if p.verdict == VIOLATED:
        return BAD
    if p.verdict == HOLDS:
        return GOOD
    if p.verdict == VACUOUS:
        return BAD if vacuity_is_error else WARN
    return WARN


def outcome_tone(p: PropertyResult, vacuity_is_error: bool = False) -> str:
    """How the property leaves the check: the model's expectation decides when it names
    the property, else the verdict (as the exit code judges it)."""
    if p.as_expected is not None and p.verdict != INCONCLUSIVE:
        return GOOD if p.as_expected else BAD
    return verdict_tone(p, vacuity_is_error)


def overall_tone(result: CheckResult) -> str:
    """BAD if any property fails the check (an unexpected violation, an expectation not
    met), else WARN if any is doubtful (vacuous, inconclusive), else GOOD."""
    tones = {outcome_tone(p, result.vacuity_is_error) for p in result.properties}
    for tone in (BAD, WARN):
        if tone in tones:
            return tone
    return GOOD


def verdict_rows(result: CheckResult) -> tuple[VerdictRow, ...]:
    rows = []
    for p in result.properties:
        matched = p.as_expected
        rows.append(VerdictRow(
            name=p.name,
            kind=p.kind,
            verdict=p.verdict,
            expected=p.expected or "-",
            matched="-" if matched is None else ("as expected" if matched else "NOT as expected"),
            tone=verdict_tone(p, result.vacuity_is_error),
            match_tone=PLAIN if matched is None else (GOOD if matched else BAD),
            note=p.note,
        ))
    return tuple(rows)


def traced(result: CheckResult) -> tuple[PropertyResult, ...]:
    """Properties that carry a trace (counterexamples and witnesses), in result order."""
    return tuple(p for p in result.properties if p.trace is not None)


@dataclass(frozen=True, slots=True)
class Shown:
    """One trace section of a report: the property's execution (``cti=False``) or its
    counterexample to induction (``cti=True``); ``index`` is the property's position,
    ``trace`` the trace shown."""

    index: int
    prop: PropertyResult
    trace: Trace
    cti: bool


def shown(result: CheckResult) -> tuple[Shown, ...]:
    """Every trace a report shows, in result order: per property its execution first,
    then its counterexample to induction."""
    out = []
    for i, p in enumerate(result.properties):
        if p.trace is not None:
            out.append(Shown(i, p, p.trace, False))
        if p.cti is not None:
            out.append(Shown(i, p, p.cti, True))
    return tuple(out)


def trace_title(p: PropertyResult, cti: bool = False) -> str:
    """``Counterexample``, ``Witness`` or ``Trace``, by the property's verdict."""
    if cti:
        return "Counterexample to induction"
    if p.verdict == VIOLATED:
        return "Counterexample"
    if p.verdict == HOLDS:
        return "Witness"
    return "Trace"


def start_label(cti: bool) -> str:
    """What state 0 of a trace is."""
    if cti:
        return "pre-state: the assumed invariants hold; not necessarily reachable"
    return "initial state"


def cti_intro(s: Shown) -> str:
    """One sentence before a counterexample to induction."""
    n = len(s.trace.steps)
    steps = "One step" if n == 1 else f"{n} steps"
    return (f"{steps} from a state where {s.prop.name} and the invariants assumed with it "
            f"hold to one where {s.prop.name} fails. The note above says whether that first "
            "state is reachable; if it is not, a helper invariant that excludes it lets the "
            "proof go through.")


def location_text(p: PropertyResult) -> str | None:
    if p.location is None:
        return None
    return f"{p.location.path}:{p.location.line}"


def ending(p: PropertyResult, trace: Trace | None = None, cti: bool = False) -> str:
    """What the last state of the trace (default: the property's) shows, in words."""
    trace = p.trace if trace is None else trace
    if cti:
        return f"invariant {p.name} is false in this state"
    if trace is not None and trace.steps and trace.steps[-1].state is None:
        return f"runtime error: {trace.error or 'the step failed'}"
    if p.kind == DEADLOCK:
        return "deadlock: no action is enabled in this state"
    if p.kind == INVARIANT and p.verdict == VIOLATED:
        return f"invariant {p.name} is false in this state"
    if p.kind == REACHABLE and p.verdict == HOLDS:
        return f"reachable {p.name} is true in this state"
    if p.kind == RUNTIME:
        return f"runtime error: {trace.error if trace and trace.error else 'unknown'}"
    if p.kind == LIVENESS and trace is not None and trace.loop is not None:
        if trace.stutter:
            return (f"stays in this state forever (no fair action is enabled); the goal of "
                    f"{p.name} never holds")
        n = len(trace.steps)
        return (f"back to state {trace.loop}: steps {trace.loop + 1}..{n} repeat forever, and the "
                f"goal of {p.name} never holds")
    return f"{p.kind} {p.name}: {p.verdict}"


def state_marks(trace: Trace) -> dict[int, str]:
    """State number -> a note, for the states a liveness counterexample points at."""
    out: dict[int, str] = {}
    if trace.trigger is not None:
        out[trace.trigger] = "the trigger holds; the goal never does from here on"
    if trace.loop is not None and not trace.stutter:
        note = "the loop starts here"
        out[trace.loop] = f"{out[trace.loop]}; {note}" if trace.loop in out else note
    return out


def messages(trace: Trace) -> dict[int, tuple[str, str]]:
    """Step number -> (sender, receiver), formatted, for the steps with a timeline arrow
    (the spec's ``message`` annotations); a step that failed has none."""
    out: dict[int, tuple[str, str]] = {}
    for step, a, b in trace.arrows:
        if 1 <= step <= len(trace.steps) and trace.steps[step - 1].state is not None:
            out.setdefault(step, (format_value(a), format_value(b)))
    return out


def coverage_rows(result: CheckResult) -> tuple[CoverageRow, ...]:
    return tuple(
        CoverageRow(
            name=c.name,
            fault=c.fault,
            enabled=count(c.enabled),
            taken=count(c.taken),
            never_enabled=c.enabled == 0,
            flag=("" if c.enabled else
                  "never enabled" if result.complete else "not enabled so far"),
            where=f"{c.location.path}:{c.location.line}" if c.location else None,
        )
        for c in result.coverage
    )


def combination_text(combo: tuple[tuple[str, int], ...]) -> str:
    """A fault combination, e.g. ``Crash=1, CutLink=2``; the empty one is ``no faults``."""
    if not combo:
        return "no faults"
    return ", ".join(f"{name}={n}" for name, n in combo)


def warning_lines(result: CheckResult) -> tuple[str, ...]:
    """Vacuous reachables and never-enabled actions first, then the engine's own
    warnings; exact duplicates are dropped, order is kept."""
    lines: list[str] = []
    for p in result.properties:
        if p.verdict == VACUOUS:
            severity = " (an error: vacuity_is_error is set)" if result.vacuity_is_error else ""
            lines.append(f"reachable {p.name} was never reached in a complete search: "
                         f"it is vacuous{severity}")
    # In an incomplete search "never enabled" may only mean "not reached yet".
    never = [c.name for c in result.coverage if c.enabled == 0] if result.complete else []
    if never:
        lines.append("never enabled: " + ", ".join(never)
                     + " (a guard that is always false, or a fault budget of 0?)")
    lines += result.warnings
    seen: set[str] = set()
    unique = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            unique.append(line)
    return tuple(unique)
