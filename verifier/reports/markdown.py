"""Reports stage: the Markdown rendering of a result, for CI logs and PR comments.

Readable both rendered (GitHub) and raw (a CI log): names and values sit in code
spans, prose from the spec is backslash-escaped, and every table cell escapes its
pipes, so no spec text can break a table or inject markup.
"""

from __future__ import annotations

import re

from verifier.reports import summary as sm
from verifier.reports.diff import step_views
from verifier.results import CheckResult, PropertyResult, Trace, format_value

# Characters that start markup anywhere in a line; CommonMark lets any ASCII
# punctuation be backslash-escaped. Those that matter only at the start of a line
# (headings, lists, quotes) are handled by _LINE_START.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*)(\d*)([#+\-=>.)])")


def text(s: str) -> str:
    """Prose from the spec: Markdown-significant characters backslash-escaped,
    newlines folded, so it renders as the literal text and cannot break a table."""
    escaped = _MD_SPECIAL.sub(r"\\\1", _one_line(s))
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), escaped)


def code(s: str) -> str:
    """A code span that survives any content: a fence longer than any backtick run
    inside, and pipes escaped (GFM honours ``\\|`` inside code spans in tables)."""
    s = _one_line(s).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _one_line(s: str) -> str:
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in s)


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# The verdict and whether it was expected are marked apart: an expected violation is a
# red verdict that is as expected.
_VERDICT_MARK = {sm.GOOD: "🟢", sm.BAD: "🔴", sm.WARN: "⚠️", sm.PLAIN: ""}
_MATCH_MARK = {sm.GOOD: "✅", sm.BAD: "❌", sm.WARN: "⚠️", sm.PLAIN: ""}


def _trace_table(p: PropertyResult, trace: Trace, cti: bool = False) -> list[str]:
    initial = "<br>".join(code(f"{n} = {format_value(v)}") for n, v in trace.initial)
    marks = sm.state_marks(trace)
    first = f"*{sm.start_label(cti)}*" + (f" ⟵ {text(marks[0])}" if 0 in marks else "")
    rows = [["0", first, initial or "*(no variables)*"]]
    messages = sm.messages(trace)
    for view in step_views(trace):
        action = f"**{code(view.step.label())}**"
        if view.step.fault:
            action += " ⚡ fault"
        if view.number in messages:
            a, b = messages[view.number]
            action += f" ✉ message {code(a)} → {code(b)}"
        if view.number in marks:
            action += f" ⟵ {text(marks[view.number])}"
        if view.error is not None:
            changes = f"❌ runtime error: {text(view.error)}"
        elif not view.changes:
            changes = "*(no change)*"
        else:
            changes = "<br>".join(code(f"{c.path}: {c.old} → {c.new}") for c in view.changes)
        rows.append([str(view.number), action, changes])
    lines = _table(["step", "action", "changes"], rows, "rll")
    if not (trace.steps and trace.steps[-1].state is None):
        lines += ["", f"**{text(sm.ending(p, trace, cti))}**"]
    return lines


def _property_section(s: sm.Shown) -> list[str]:
    p = s.prop
    lines = ["", f"## {sm.trace_title(p, s.cti)}: {code(p.name)} ({p.kind}, {p.verdict})", ""]
    if p.doc:
        lines += [f"> {text(p.doc)}", ""]
    where = sm.location_text(p)
    if where and p.location is not None:
        line = f"at {code(where)}"
        if p.location.source_line:
            line += f": {code(p.location.source_line.strip())}"
        lines += [line, ""]
    if s.cti:
        lines += [text(sm.cti_intro(s)), ""]
    lines += _trace_table(p, s.trace, s.cti)
    return lines


def render_markdown(result: CheckResult) -> str:
    lines = [f"# Check report: {code(result.model)}", ""]
    facts = sm.overview_facts(result)
    lines += _table(["", ""], [[f"**{f.label}**", code(f.value) if f.literal else text(f.value)]
                               for f in facts])

    lines += ["", "## Verdicts", ""]
    rows = []
    for r in sm.verdict_rows(result):
        mark = _VERDICT_MARK[r.tone]
        match = f"{_MATCH_MARK[r.match_tone]} {r.matched}".strip()
        rows.append([code(r.name), r.kind, f"{mark} {r.verdict}".strip(), r.expected,
                     match, text(r.note) if r.note else ""])
    if rows:
        lines += _table(["property", "kind", "verdict", "expected", "outcome", "note"], rows)
    else:
        lines.append("*(no properties)*")

    for s in sm.shown(result):
        lines += _property_section(s)

    lines += ["", "## Statistics", ""]
    # Numbers formatted by summary.py, nothing from the spec: no escaping needed.
    lines += _table(["", ""], [[f"**{f.label}**", f.value]
                               for f in sm.statistics_facts(result)], "lr")

    if result.coverage:
        lines += ["", "## Coverage", ""]
        rows = [[code(c.name), "⚡ fault" if c.fault else "", c.enabled, c.taken,
                 f"⚠️ {c.flag}" if c.flag else ""]
                for c in sm.coverage_rows(result)]
        lines += _table(["action", "fault", "enabled", "taken", ""], rows, "llrrl")

    if result.fault_combinations:
        lines += ["", f"## Fault combinations ({len(result.fault_combinations)} explored)", ""]
        lines += [f"- {text(sm.combination_text(c))}" for c in result.fault_combinations]

    warnings = sm.warning_lines(result)
    if warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- ⚠️ {text(w)}" for w in warnings]
    return "\n".join(lines) + "\n"
