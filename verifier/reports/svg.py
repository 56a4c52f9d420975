"""Reports stage, HTML part: the SVG timeline of one trace.

Columns are states (0 = initial, k = after step k); the axis on top shows the
step number and action of each column (full label on hover, each a link to its
row in the step table). Each lane is a row of coloured segments, one per run of
equal labels. A fault is a red diamond on the boundary where it happened, on every
lane it names, or a dashed line across all lanes when it names none. A message
(the spec's ``message`` annotation) is a purple arrow on the boundary of its
step, from the sender's lane to the receiver's (a small loop for a message to
itself). A runtime error leaves the last column empty and marks it. A lasso (a liveness
counterexample) shades the columns of its loop and draws, under the lanes, an arrow from
the last column back to the first state of the loop ("repeats forever"), or a loop on
the last column when the behaviour stays there forever. Every
spec-originated string passes through ``html.escape`` (text and attributes alike).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from itertools import pairwise

from verifier.reports.timeline import Colours, Timeline, text_colour
from verifier.results import format_value

COL_W = 96          # one state column
LANE_H = 28
LANE_GAP = 10
HEAD_H = 46         # step numbers and action labels
PAD = 8
CHAR_W = 6.6        # average glyph width at 11-12 px, for fitting labels
ARROW_SLANT = 16    # a message arrow runs from this far left of its boundary to as far right
ARROW_HEAD = 9
LOOP_H = 30         # room under the lanes for a lasso's loop-back arrow


def _fit(text: str, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels ("" if nothing fits)."""
    room = int((width - 8) / CHAR_W)
    if len(text) <= room:
        return text
    return text[: room - 1] + "…" if room >= 3 else ""


def label_span(start: int, end: int, marks: frozenset[int]) -> tuple[int, int]:
    """The widest run of columns within ``start..end`` not cut by a fault mark (the
    first such run on a tie), so a segment's label is not hidden under a mark."""
    cuts = [start] + sorted(b for b in marks if start < b < end) + [end]
    best = (start, end if len(cuts) == 2 else cuts[1])
    for lo, hi in pairwise(cuts):
        if hi - lo > best[1] - best[0]:
            best = (lo, hi)
    return best


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{x:g} {y - r:g}L{x + r:g} {y:g}L{x:g} {y + r:g}L{x - r:g} {y:g}Z"


def _n(v: float) -> str:
    """A coordinate, to a tenth of a pixel (fixed, so output is deterministic)."""
    return f"{round(v, 1):g}"


def _arrowhead(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, str]:
    """The head of an arrow from (x0, y0) ending at (x1, y1): where the shaft stops, and
    the path of the head."""
    dx, dy = x1 - x0, y1 - y0
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x1 - ux * ARROW_HEAD, y1 - uy * ARROW_HEAD
    w = ARROW_HEAD / 2
    path = (f"M{_n(x1)} {_n(y1)}L{_n(bx - uy * w)} {_n(by + ux * w)}"
            f"L{_n(bx + uy * w)} {_n(by - ux * w)}Z")
    return bx, by, path


def _loop_mark(tl: Timeline, x: Callable[[int], float], top: float, bottom: float) -> str:
    """A lasso: its loop's columns shaded, and the way back under the lanes."""
    assert tl.loop is not None
    last = tl.states - 1
    y = bottom + LOOP_H / 2
    if tl.stutter:
        cx = x(last) + COL_W / 2
        hover = f"the behaviour stays in state {last} forever"
        path = (f"M{_n(cx - 10)} {_n(bottom)}C{_n(cx - 22)} {_n(y + 10)} {_n(cx + 22)} "
                f"{_n(y + 10)} {_n(cx + 10)} {_n(bottom)}")
        _, _, head = _arrowhead(cx + 16, y, cx + 10, bottom)
        label = (f'<text x="{_n(cx - 26)}" y="{_n(y + 4)}" class="loop-text" '
                 'text-anchor="end">stays here forever</text>')
    else:
        x0, x1 = x(tl.loop) + COL_W / 2, x(last) + COL_W / 2
        hover = f"after state {last}, the behaviour goes back to state {tl.loop}: repeats forever"
        path = f"M{_n(x1)} {_n(bottom)}L{_n(x1)} {_n(y)}L{_n(x0)} {_n(y)}L{_n(x0)} {_n(bottom + 4)}"
        _, _, head = _arrowhead(x0, y, x0, bottom)
        label = (f'<text x="{_n(x1 + 6)}" y="{_n(y + 13)}" class="loop-text" text-anchor="end">'
                 f"back to state {tl.loop}: repeats forever</text>")
    shade = (f'<rect x="{x(tl.loop):g}" y="{top - 5:g}" width="{(last - tl.loop + 1) * COL_W}" '
             f'height="{bottom - top + 5:g}" class="loop-area"/>')
    return (f'<g class="loop-mark" data-loop="{tl.loop}" data-stutter="{str(tl.stutter).lower()}">'
            f"<title>{escape(hover)}</title>{shade}"
            f'<path d="{path}" class="loop-line"/><path d="{head}" class="loop-head"/>{label}</g>')


def _gutter(tl: Timeline) -> int:
    longest = max((len(lane.name) for lane in tl.lanes), default=4)
    return min(160, max(56, int(longest * 7.4) + 2 * PAD))


def timeline_width(tl: Timeline) -> int:
    """The SVG's width in pixels (it is drawn at natural size and scrolls if wider)."""
    return _gutter(tl) + tl.states * COL_W + PAD


def render_timeline(tl: Timeline, colours: Colours, *, anchor: str, title: str,
                    ending: str | None = None) -> str:
    """The ``<svg>`` element; ``anchor`` prefixes the ids of step-table rows
    (``{anchor}-step-{k}``), ``ending`` titles the highlighted last column."""
    gutter = _gutter(tl)
    width = timeline_width(tl)
    lanes_top = HEAD_H + PAD
    lanes_bottom = lanes_top + len(tl.lanes) * (LANE_H + LANE_GAP)
    height = lanes_bottom + PAD + (LOOP_H if tl.loop is not None else 0)

    def x(col: int) -> float:
        return gutter + col * COL_W

    def lane_y(i: int) -> float:
        return lanes_top + i * (LANE_H + LANE_GAP)

    out = [(f'<svg class="timeline" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(title)}">'),
           f"<title>{escape(title)}</title>"]

    # Axis: one header cell per state column, linked to the step table.
    out.append('<g class="axis">')
    out.append(f'<line x1="{gutter}" y1="{HEAD_H}" x2="{x(tl.states)}" y2="{HEAD_H}" '
               'class="axis-line"/>')
    out.append(f'<text x="{PAD}" y="18" class="axis-caption">step</text>')
    for col in range(tl.states):
        action = "initial state" if col == 0 else tl.actions[col - 1]
        fault = col in tl.fault_steps
        hover = f"step {col}: {action}" + (" (fault)" if fault else "")
        if col == tl.error_step:
            hover += " (runtime error)"
        cls = "step fault" if fault else "step"
        cx = x(col) + COL_W / 2
        out.append(f'<a href="#{escape(anchor)}-step-{col}" class="{cls}" data-step="{col}">'
                   f"<title>{escape(hover)}</title>"
                   f'<rect x="{x(col):g}" y="0" width="{COL_W}" height="{HEAD_H}" class="hit"/>'
                   f'<text x="{cx:g}" y="18" class="step-no">{col}</text>'
                   f'<text x="{cx:g}" y="36" class="action">'
                   f"{escape(_fit('init' if col == 0 else action, COL_W))}</text></a>")
        if col > 0:
            out.append(f'<line x1="{x(col):g}" y1="{HEAD_H - 4}" x2="{x(col):g}" '
                       f'y2="{height - PAD}" class="grid"/>')
    out.append("</g>")

    # Boundaries with a fault mark or an arrow, per lane: segment labels keep clear of them.
    index = {lane.name: n for n, lane in enumerate(tl.lanes)}
    crossed: dict[str, set[int]] = {lane.name: set() for lane in tl.lanes}
    for arrow in tl.arrows:
        lo, hi = sorted((index[arrow.source], index[arrow.target]))
        for n in range(lo, hi + 1):
            crossed[tl.lanes[n].name].add(arrow.step)
    marked: dict[str, frozenset[int]] = {}
    for lane in tl.lanes:
        marked[lane.name] = frozenset(m.step for m in tl.faults
                                      if not m.lanes or lane.name in m.lanes) | crossed[lane.name]

    # Lanes.
    for i, lane in enumerate(tl.lanes):
        y = lane_y(i)
        out.append(f'<g class="lane" data-lane="{escape(lane.name)}">')
        out.append(f'<text x="{gutter - PAD}" y="{y + LANE_H / 2 + 4:g}" class="lane-name">'
                   f"<title>{escape(lane.name)}</title>{escape(_fit(lane.name, gutter - PAD))}"
                   "</text>")
        for seg in lane.segments:
            label = format_value(seg.label)
            fill = colours.fill(seg.label)
            x0, x1 = x(seg.start) + 1, x(seg.end) - 1
            span = (f"state {seg.start}" if seg.end - seg.start == 1
                    else f"states {seg.start}–{seg.end - 1}")
            out.append(f'<g class="segment" data-label="{escape(label)}">'
                       f"<title>{escape(lane.name)}: {escape(label)} ({span})</title>"
                       f'<rect x="{x0:g}" y="{y:g}" width="{x1 - x0:g}" height="{LANE_H}" '
                       f'rx="5" fill="{fill}"/>')
            lo, hi = label_span(seg.start, seg.end, marked.get(lane.name, frozenset()))
            shown = _fit(label, x(hi) - x(lo) - 2)
            if shown:
                out.append(f'<text x="{(x(lo) + x(hi)) / 2:g}" y="{y + LANE_H / 2 + 4:g}" '
                           f'fill="{text_colour(fill)}" class="seg-label">{escape(shown)}</text>')
            out.append("</g>")
        out.append("</g>")

    if tl.loop is not None:
        out.append(_loop_mark(tl, x, lanes_top, lanes_bottom))

    # The state that shows the property (violation or witness), outlined.
    last = tl.states - 1
    if ending is not None and tl.error_step is None and tl.lanes:
        out.append(f'<rect x="{x(last) - 2:g}" y="{lanes_top - 5}" width="{COL_W + 4}" '
                   f'height="{height - lanes_top - PAD + 7:g}" rx="7" class="ending">'
                   f"<title>{escape(ending)}</title></rect>")

    # Messages: from the middle of the sender's lane into the receiver's, across the
    # step's boundary; under the fault marks.
    for arrow in tl.arrows:
        bx = x(arrow.step)
        i, j = index[arrow.source], index[arrow.target]
        y0 = lane_y(i) + LANE_H / 2
        if i == j:
            x0, x1, y1 = bx - ARROW_SLANT / 2, bx + ARROW_SLANT / 2, y0
            top = lane_y(i) - LANE_GAP / 2
            end_x, end_y, head = _arrowhead(x1, top, x1, y1)
            shaft = f"M{_n(x0)} {_n(y0)}C{_n(x0)} {_n(top)} {_n(x1)} {_n(top)} {_n(end_x)} {_n(end_y)}"
        else:
            x0, x1 = bx - ARROW_SLANT, bx + ARROW_SLANT
            y1 = lane_y(j) + (8 if j > i else LANE_H - 8)
            end_x, end_y, head = _arrowhead(x0, y0, x1, y1)
            shaft = f"M{_n(x0)} {_n(y0)}L{_n(end_x)} {_n(end_y)}"
        hover = f"step {arrow.step}: {arrow.action}: message {arrow.source} → {arrow.target}"
        out.append(f'<g class="message" data-step="{arrow.step}" '
                   f'data-from="{escape(arrow.source)}" data-to="{escape(arrow.target)}">'
                   f"<title>{escape(hover)}</title>"
                   f'<path d="{shaft}" class="msg-halo"/><path d="{shaft}" class="msg-line"/>'
                   f'<path d="{head}" class="msg-head"/></g>')

    # Faults, drawn last so they sit on top of the segments.
    for mark in tl.faults:
        bx = x(mark.step)
        hover = f"step {mark.step}: {mark.action} (fault)"
        if not mark.lanes:
            out.append(f'<g class="fault-mark fault-all" data-step="{mark.step}" data-lane="*">'
                       f"<title>{escape(hover)}</title>"
                       f'<line x1="{bx:g}" y1="{HEAD_H:g}" x2="{bx:g}" y2="{height - PAD:g}" '
                       'class="fault-line"/>'
                       f'<path d="{_diamond(bx, HEAD_H, 7)}" class="fault-diamond"/></g>')
            continue
        for name in mark.lanes:
            cy = lane_y(index[name]) + LANE_H / 2
            out.append(f'<g class="fault-mark" data-step="{mark.step}" '
                       f'data-lane="{escape(name)}"><title>{escape(hover)}</title>'
                       f'<path d="{_diamond(bx, cy, 9)}" class="fault-diamond"/>'
                       f'<text x="{bx:g}" y="{cy + 4:g}" class="fault-glyph">!</text></g>')

    if tl.error_step is not None:
        ex = x(tl.error_step)
        out.append(f'<g class="error-mark" data-step="{tl.error_step}">'
                   f"<title>step {tl.error_step}: {escape(tl.actions[-1])} failed "
                   "(runtime error)</title>"
                   f'<rect x="{ex + 2:g}" y="{lanes_top:g}" width="{COL_W - 4}" '
                   f'height="{height - lanes_top - PAD:g}" rx="5" class="error-area"/>'
                   f'<text x="{ex + COL_W / 2:g}" y="{lanes_top + 18:g}" class="error-text">'
                   "runtime error</text></g>")
    out.append("</svg>")
    return "\n".join(out)
