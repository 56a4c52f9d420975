"""Reports stage: the terminal rendering of a result.

A summary, the verdict table, then each counterexample as TLC's difftrace shows
it: the initial state in full, then each numbered step with its action, a
``[fault]`` mark, and only what changed (``role[P]: master -> follower``). ANSI
colour is opt-in (``color=True``, for a terminal); spec-originated text is
stripped of control characters so a spec cannot drive the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.reports import summary as sm
from verifier.reports.diff import changed_names, step_views
from verifier.results import VIOLATED, CheckResult, DisplayState, PropertyResult, Trace, format_value

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
          "blue": "34", "magenta": "35", "cyan": "36"}
_TONE = {sm.GOOD: "green", sm.BAD: "red", sm.WARN: "yellow", sm.PLAIN: ""}


@dataclass(frozen=True, slots=True)
class _Style:
    color: bool

    def __call__(self, text: str, *styles: str) -> str:
        codes = ";".join(_CODES[s] for s in styles if s)
        if not self.color or not codes:
            return text
        return f"\x1b[{codes}m{text}\x1b[0m"


def clean(text: str) -> str:
    """Spec-originated text made safe for a terminal: tabs become spaces, other
    control characters (ESC above all) are shown as ``\\xNN``."""
    out = []
    for ch in text.replace("\t", "    "):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return "".join(out)


def _table(rows: list[list[str]], styles: list[list[str]], st: _Style, indent: str,
           right: frozenset[int] = frozenset()) -> list[str]:
    """Aligned columns (``right`` holds the right-aligned ones); padding is computed
    on plain text, then styled, so ANSI codes never skew the layout."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row, row_styles in zip(rows, styles, strict=True):
        cells = []
        for i, (cell, style) in enumerate(zip(row, row_styles, strict=True)):
            if i in right:
                padded = cell.rjust(widths[i])
            else:
                padded = cell if i == len(row) - 1 else cell.ljust(widths[i])
            cells.append(st(padded, *style.split()) if style and cell else padded)
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _facts(facts: tuple[sm.Fact, ...], st: _Style) -> list[str]:
    width = max(len(f.label) for f in facts)
    return [f"  {st(f.label.ljust(width), 'bold')}  {clean(f.value)}" for f in facts]


def _state_lines(state: DisplayState, indent: str, st: _Style,
                 changed: frozenset[str] = frozenset()) -> list[str]:
    lines = []
    for name, value in state:
        mark = "*" if name in changed else " "
        text = f"{mark}{clean(name)} = {clean(format_value(value))}"
        lines.append(indent + (st(text, "cyan") if name in changed else text))
    return lines


def _trace_lines(p: PropertyResult, trace: Trace, st: _Style, full_states: bool,
                 cti: bool = False) -> list[str]:
    marks = sm.state_marks(trace)
    head0 = f"  {st('State 0', 'bold')}  ({sm.start_label(cti)})"
    if 0 in marks:
        head0 += "  " + st(f"<- {marks[0]}", "yellow")
    lines = [head0]
    lines += _state_lines(trace.initial, "     ", st)
    prev = trace.initial
    messages = sm.messages(trace)
    for view in step_views(trace):
        head = f"  {st(f'Step {view.number}', 'bold')}  {clean(view.step.label())}"
        if view.step.fault:
            head += "  " + st("[fault]", "magenta", "bold")
        if view.number in messages:
            a, b = messages[view.number]
            head += "  " + st(f"[message {clean(a)} -> {clean(b)}]", "blue")
        if view.number in marks:
            head += "  " + st(f"<- {marks[view.number]}", "yellow")
        lines.append(head)
        if view.error is not None:
            lines.append("      " + st(f"runtime error: {clean(view.error)}", "red", "bold"))
            continue
        if full_states and view.step.state is not None:
            lines += _state_lines(view.step.state, "     ", st,
                                  changed_names(prev, view.step.state))
        elif not view.changes:
            lines.append("      " + st("(no change)", "dim"))
        else:
            for c in view.changes:
                old = st(clean(c.old), "dim")
                new = st(clean(c.new), "bold")
                lines.append(f"      {clean(c.path)}: {old} -> {new}")
        if view.step.state is not None:
            prev = view.step.state
    if not (trace.steps and trace.steps[-1].state is None):
        bad = cti or p.verdict == VIOLATED
        lines.append("  " + st(clean(sm.ending(p, trace, cti)), "red" if bad else "green"))
    return lines


def _property_section(s: sm.Shown, st: _Style, full_states: bool) -> list[str]:
    p = s.prop
    title = f"{sm.trace_title(p, s.cti)}: {clean(p.name)} ({p.kind}, {p.verdict})"
    lines = ["", st(f"== {title} ==", "bold")]
    if p.doc:
        lines.append(f"  {clean(p.doc)}")
    where = sm.location_text(p)
    if where and p.location is not None:
        lines.append(f"  at {clean(where)}")
        if p.location.source_line:
            lines.append(st(f"  {p.location.line:>5} | {clean(p.location.source_line)}", "dim"))
    if s.cti:
        lines.append(f"  {clean(sm.cti_intro(s))}")
    steps = len(s.trace.steps)
    lines.append(f"  {steps} step{'s' if steps != 1 else ''}:")
    lines += _trace_lines(p, s.trace, st, full_states, s.cti)
    return lines


def render_text(result: CheckResult, *, color: bool = False, full_states: bool = False) -> str:
    """The whole report for a terminal; ``full_states`` prints every state in full
    (changed variables marked ``*``) instead of only the changes."""
    st = _Style(color)
    lines = [st(f"verifier report: {clean(result.model)}", "bold"), ""]
    lines += _facts(sm.overview_facts(result) + sm.statistics_facts(result), st)

    lines += ["", st("Properties", "bold")]
    rows = [["PROPERTY", "KIND", "VERDICT", "EXPECTED", "OUTCOME"]]
    styles = [["dim"] * 5]
    for r in sm.verdict_rows(result):
        rows.append([clean(r.name), r.kind, r.verdict, r.expected, r.matched])
        styles.append(["", "", _TONE[r.tone], "", _TONE[r.match_tone]])
    lines += _table(rows, styles, st, "  ") if result.properties else ["  (none)"]
    for r in sm.verdict_rows(result):
        if r.note:
            lines.append(f"  note on {clean(r.name)}: {clean(r.note)}")

    for s in sm.shown(result):
        lines += _property_section(s, st, full_states)

    if result.coverage:
        lines += ["", st("Coverage", "bold") + " (enabled: states where the action could fire;"
                  " taken: transitions explored)"]
        rows = [["ACTION", "FAULT", "ENABLED", "TAKEN", ""]]
        styles = [["dim"] * 5]
        for c in sm.coverage_rows(result):
            rows.append([clean(c.name), "fault" if c.fault else "", c.enabled, c.taken,
                         c.flag])
            styles.append(["", "magenta" if c.fault else "", "", "",
                           "yellow bold" if c.never_enabled else ""])
        lines += _table(rows, styles, st, "  ", right=frozenset({2, 3}))

    if result.fault_combinations:
        lines += ["", st("Fault combinations", "bold")
                  + f" ({len(result.fault_combinations)} explored)"]
        lines += [f"  {clean(sm.combination_text(c))}" for c in result.fault_combinations]

    warnings = sm.warning_lines(result)
    if warnings:
        lines += ["", st("Warnings", "bold")]
        lines += ["  " + st("warning:", "yellow", "bold") + f" {clean(w)}" for w in warnings]
    return "\n".join(lines) + "\n"
