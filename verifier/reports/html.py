"""Reports stage: one self-contained HTML file for a result.

Summary, verdicts, and for each trace an SVG timeline (``svg.py``), a legend and
the step table with per-step changes and the full state on demand. Everything is
inline (CSS, SVG; no script, no fonts, no network) and a Content-Security-Policy
forbids the page from fetching anything, so the file opens anywhere, offline. The
layout is one column that scrolls wide parts sideways on a phone. Every string
from the spec goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

from verifier.reports import summary as sm
from verifier.reports.diff import changed_names, step_views
from verifier.reports.svg import render_timeline, timeline_width
from verifier.reports.timeline import (
    Colours,
    assign_colours,
    legend,
    text_colour,
    timeline_of,
)
from verifier.results import HOLDS, CheckResult, DisplayState, Trace, format_value

PHONE_WIDTH = 360  # a timeline wider than this gets a "swipe sideways" hint on small screens
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --soft: #f6f8fa;
  --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; --fault: #d1242f; --msg: #6639ba; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 18px 0 8px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; }
code { overflow-wrap: break-word; }
.outcome { font-size: 1.05rem; margin: 0 0 8px; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 0.8rem;
  background: var(--soft); border: 1px solid var(--line); color: var(--muted); vertical-align: middle; }
.badge.fault { color: #fff; background: var(--fault); border-color: var(--fault); }
.verdict { font-weight: 600; }
.doc { margin: 0 0 6px; font-style: italic; }
.where { margin: 0 0 6px; color: var(--muted); }
pre.src { margin: 0 0 10px; padding: 8px 10px; background: var(--soft); border-radius: 6px;
  overflow-x: auto; }
pre.src .ln { color: var(--muted); user-select: none; }
.timeline-box { border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
svg.timeline { display: block; font-family: inherit; }
svg.timeline .hit { fill: transparent; }
svg.timeline a:hover .hit { fill: #eef4ff; }
svg.timeline .step-no { font-size: 13px; font-weight: 600; text-anchor: middle; fill: var(--fg); }
svg.timeline .step.fault .step-no { fill: var(--fault); }
svg.timeline .action { font-size: 11px; text-anchor: middle; fill: var(--muted); }
svg.timeline .axis-caption { font-size: 11px; fill: var(--muted); }
svg.timeline .axis-line { stroke: #8c959f; stroke-width: 1; }
svg.timeline .grid { stroke: #d8dee4; stroke-width: 1; stroke-dasharray: 2 3; }
svg.timeline .lane-name { font-size: 13px; font-weight: 600; text-anchor: end; fill: var(--fg); }
svg.timeline .seg-label { font-size: 12px; text-anchor: middle; pointer-events: none; }
svg.timeline .fault-diamond { fill: var(--fault); stroke: #fff; stroke-width: 1.5; }
svg.timeline .fault-glyph { font-size: 11px; font-weight: 700; fill: #fff; text-anchor: middle;
  pointer-events: none; }
svg.timeline .fault-line { stroke: var(--fault); stroke-width: 2; stroke-dasharray: 5 4; }
svg.timeline .msg-halo { fill: none; stroke: #ffffff; stroke-width: 5; stroke-linecap: round;
  stroke-opacity: 0.85; }
svg.timeline .msg-line { fill: none; stroke: var(--msg); stroke-width: 2; }
svg.timeline .msg-head { fill: var(--msg); stroke: #ffffff; stroke-width: 1; }
svg.timeline .ending { fill: none; stroke: var(--bad); stroke-width: 2; }
svg.timeline .loop-area { fill: #8250df; fill-opacity: 0.07; }
svg.timeline .loop-line { fill: none; stroke: #8250df; stroke-width: 2; }
svg.timeline .loop-head { fill: #8250df; }
svg.timeline .loop-text { font-size: 11px; fill: #8250df; }
svg.timeline .error-area { fill: #ffebe9; stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.timeline .error-text { font-size: 11px; font-weight: 600; fill: var(--bad); text-anchor: middle; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; list-style: none; padding: 0; margin: 8px 0 0;
  font-size: 0.9rem; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; min-width: 22px; height: 14px; border-radius: 4px; }
.legend .fault-key { width: 12px; height: 12px; background: var(--fault); transform: rotate(45deg);
  display: inline-block; }
.legend .msg-key { position: relative; width: 16px; height: 2px; background: var(--msg);
  display: inline-block; margin-right: 6px; }
.legend .msg-key::after { content: ""; position: absolute; right: -7px; top: -4px;
  border-left: 8px solid var(--msg); border-top: 5px solid transparent;
  border-bottom: 5px solid transparent; }
.badge.msg { color: var(--msg); border-color: var(--msg); background: #fbefff; }
.muted { color: var(--muted); }
table.steps td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.steps tr.fault td:first-child { border-left: 3px solid var(--fault); }
table.steps tr:target { background: #fff8c5; }
ul.changes { list-style: none; margin: 0; padding: 0; }
ul.changes li { margin: 0 0 2px; }
.old { color: var(--bad); text-decoration: line-through; text-decoration-thickness: 1px; }
.new { color: var(--good); font-weight: 600; }
details summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
td pre { margin: 0; white-space: pre-wrap; overflow-wrap: break-word; }
details pre { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.ending-line { font-weight: 600; color: var(--bad); }
.ending-line.good { color: var(--good); }
.error-line { color: var(--bad); font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.8rem; }
.scroll-hint { display: none; margin: 6px 0 0; font-size: 0.8rem; color: var(--muted); }
@media (max-width: 640px) {
  .scroll-hint { display: block; }
  main { padding: 12px 12px 32px; }
  body { font-size: 14px; }
  .facts { grid-template-columns: 1fr; gap: 0; }
  .facts dd { margin-bottom: 6px; }
  th, td { padding: 5px 6px; }
}
"""

_TONE_CLASS = {sm.GOOD: "good", sm.BAD: "bad", sm.WARN: "warn", sm.PLAIN: ""}


def _e(s: str) -> str:
    return escape(s, quote=True)


def _code(s: str) -> str:
    return f"<code>{_e(s)}</code>"


def _facts(facts: tuple[sm.Fact, ...]) -> str:
    items = "".join(
        f"<dt>{_e(f.label)}</dt><dd>{_code(f.value) if f.literal else _e(f.value)}</dd>"
        for f in facts)
    return f'<dl class="facts">{items}</dl>'


def _anchor(index: int) -> str:
    # Ids come from positions, never from spec names, so no name can collide or inject.
    return f"prop-{index}"


def _verdicts(result: CheckResult) -> str:
    if not result.properties:
        return '<p class="muted">No properties.</p>'
    rows = []
    for i, (p, r) in enumerate(zip(result.properties, sm.verdict_rows(result), strict=True)):
        name = _code(r.name)
        if p.trace is not None or p.cti is not None:
            anchor = _anchor(i) + ("" if p.trace is not None else "-cti")
            name = f'<a href="#{anchor}">{name}</a>'
        rows.append(
            f"<tr><td>{name}</td><td>{_e(r.kind)}</td>"
            f'<td class="verdict {_TONE_CLASS[r.tone]}">{_e(r.verdict)}</td>'
            f"<td>{_e(r.expected)}</td>"
            f'<td class="{_TONE_CLASS[r.match_tone]}">{_e(r.matched)}</td>'
            f"<td>{_e(r.note) if r.note else ''}</td></tr>")
    return ('<div class="scroll"><table class="verdicts"><thead><tr><th>Property</th>'
            "<th>Kind</th><th>Verdict</th><th>Expected</th><th>Outcome</th><th>Note</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _state_pre(state: DisplayState, changed: frozenset[str] = frozenset()) -> str:
    lines = []
    for name, value in state:
        line = f"{_e(name)} = {_e(format_value(value))}"
        lines.append(f'<span class="new">{line}</span>' if name in changed else line)
    return "<pre>" + "\n".join(lines) + "</pre>"


def _steps_table(trace: Trace, anchor: str, cti: bool) -> str:
    messages = sm.messages(trace)
    marks = sm.state_marks(trace)
    mark0 = f' <span class="badge">{_e(marks[0])}</span>' if 0 in marks else ""
    rows = [(f'<tr id="{anchor}-step-0"><td>0</td><td><em>{_e(sm.start_label(cti))}</em>{mark0}</td>'
             f"<td>{_state_pre(trace.initial)}</td></tr>")]
    prev = trace.initial
    for view in step_views(trace):
        step = view.step
        badge = ' <span class="badge fault">fault</span>' if step.fault else ""
        if view.number in messages:
            a, b = messages[view.number]
            badge += f' <span class="badge msg">message {_e(a)} → {_e(b)}</span>'
        if view.number in marks:
            badge += f' <span class="badge">{_e(marks[view.number])}</span>'
        cls = ' class="fault"' if step.fault else ""
        if view.error is not None:
            body = f'<span class="error-line">runtime error: {_e(view.error)}</span>'
        else:
            if view.changes:
                items = "".join(
                    f"<li><code>{_e(c.path)}</code>: <code class=\"old\">{_e(c.old)}</code>"
                    f' → <code class="new">{_e(c.new)}</code></li>' for c in view.changes)
                body = f'<ul class="changes">{items}</ul>'
            else:
                body = '<span class="muted">(no change)</span>'
            if step.state is not None:
                body += ("<details><summary>full state</summary>"
                         f"{_state_pre(step.state, changed_names(prev, step.state))}</details>")
                prev = step.state
        rows.append(f'<tr id="{anchor}-step-{view.number}"{cls}><td>{view.number}</td>'
                    f"<td>{_code(step.label())}{badge}</td><td>{body}</td></tr>")
    return ('<div class="scroll"><table class="steps"><thead><tr><th>Step</th><th>Action</th>'
            f"<th>Changes</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _legend(trace: Trace, colours: Colours, has_faults: bool, has_arrows: bool) -> str:
    items = []
    for label in legend(timeline_of(trace)):
        fill = colours.fill(label)
        items.append(f'<li><span class="swatch" style="background:{fill};'
                     f'color:{text_colour(fill)}"></span>{_code(format_value(label))}</li>')
    if has_faults:
        items.append('<li><span class="fault-key"></span>fault</li>')
    if has_arrows:
        items.append('<li><span class="msg-key"></span>message</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _trace_section(s: sm.Shown, colours: Colours) -> str:
    p, trace = s.prop, s.trace
    anchor = _anchor(s.index) + ("-cti" if s.cti else "")
    parts = [f'<section class="trace" id="{anchor}">',
             (f"<h2>{_e(sm.trace_title(p, s.cti))}: {_code(p.name)} "
              f'<span class="badge">{_e(p.kind)}</span> '
              f'<span class="badge">{_e(p.verdict)}</span></h2>')]
    if p.doc:
        parts.append(f'<p class="doc">{_e(p.doc)}</p>')
    where = sm.location_text(p)
    if where and p.location is not None:
        parts.append(f'<p class="where">at {_code(where)}</p>')
        if p.location.source_line:
            parts.append(f'<pre class="src"><span class="ln">{p.location.line} | </span>'
                         f"{_e(p.location.source_line)}</pre>")
    if s.cti:
        parts.append(f'<p class="doc">{_e(sm.cti_intro(s))}</p>')
    tl = timeline_of(trace)
    ending = sm.ending(p, trace, s.cti)
    parts.append("<h3>Timeline</h3>")
    if tl.lanes:
        if tl.derived_from is not None:
            parts.append(f'<p class="muted">Lanes: the keys of {_code(tl.derived_from)} '
                         "(the spec has no <code>lane</code> annotation).</p>")
        parts.append('<div class="timeline-box"><div class="scroll">')
        parts.append(render_timeline(tl, colours, anchor=anchor,
                                     title=f"Timeline of {p.name}", ending=ending))
        parts.append("</div>")
        if timeline_width(tl) > PHONE_WIDTH:
            parts.append('<p class="scroll-hint">Swipe sideways to see every step →</p>')
        parts.append(_legend(trace, colours, bool(tl.faults), bool(tl.arrows)) + "</div>")
    else:
        parts.append('<p class="muted">No lanes: the trace has no map over an enum to draw; '
                     "a <code>lane s in D: label</code> annotation in the spec chooses one.</p>")
    n = len(trace.steps)
    parts.append(f"<h3>Steps ({n})</h3>")
    parts.append(_steps_table(trace, anchor, s.cti))
    if not (trace.steps and trace.steps[-1].state is None):  # else the table says it
        tone = "good" if p.verdict == HOLDS and not s.cti else ""
        parts.append(f'<p class="ending-line {tone}">{_e(ending)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _coverage(result: CheckResult) -> str:
    rows = []
    for c in sm.coverage_rows(result):
        fault = ' <span class="badge fault">fault</span>' if c.fault else ""
        flag = f'<span class="warn">{c.flag}</span>' if c.flag else ""
        where = _code(c.where) if c.where else ""
        rows.append(f"<tr><td>{_code(c.name)}{fault}</td><td class=\"num\">{c.enabled}</td>"
                    f'<td class="num">{c.taken}</td><td>{flag}</td><td>{where}</td></tr>')
    return ('<div class="scroll"><table class="coverage"><thead><tr><th>Action</th>'
            '<th class="num">Enabled</th><th class="num">Taken</th><th></th><th>Where</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            '<p class="muted">Enabled: states in which the action could fire. '
            "Taken: transitions of the action explored.</p>")


def render_html(result: CheckResult) -> str:
    timelines = [timeline_of(s.trace) for s in sm.shown(result)]
    colours = assign_colours(timelines)
    outcome_tone = _TONE_CLASS[sm.overall_tone(result)]
    body = [
        "<main>",
        f"<header><h1>Check report: {_code(result.model)}</h1>",
        f'<p class="outcome {outcome_tone}">{_e(sm.outcome_line(result))}</p></header>',
        '<section id="summary"><h2>Summary</h2>',
        _facts(sm.overview_facts(result)),
        "</section>",
        '<section id="verdicts"><h2>Verdicts</h2>',
        _verdicts(result),
        "</section>",
    ]
    for s in sm.shown(result):
        body.append(_trace_section(s, colours))
    body += ['<section id="statistics"><h2>Statistics</h2>',
             _facts(sm.statistics_facts(result)), "</section>"]
    if result.coverage:
        body += ['<section id="coverage"><h2>Coverage</h2>', _coverage(result), "</section>"]
    if result.fault_combinations:
        items = "".join(f"<li>{_e(sm.combination_text(c))}</li>"
                        for c in result.fault_combinations)
        body += ['<section id="fault-combinations">',
                 f"<h2>Fault combinations ({len(result.fault_combinations)} explored)</h2>",
                 f"<ul>{items}</ul></section>"]
    warnings = sm.warning_lines(result)
    if warnings:
        items = "".join(f'<li><span class="warn">warning:</span> {_e(w)}</li>' for w in warnings)
        body += ['<section id="warnings"><h2>Warnings</h2>', f"<ul>{items}</ul></section>"]
    body += [f'<footer>verifier report, result schema {result.schema_version}</footer>', "</main>"]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(result.model)}: check report</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
    ]) + "\n"
