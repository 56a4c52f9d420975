"""The HTML report: well-formed, self-contained, a timeline with the right lanes and
marks, and every spec string escaped."""

from __future__ import annotations

import dataclasses
import re

import pytest

from verifier.reports.html import render_html
from verifier.reports.markdown import render_markdown
from verifier.reports.svg import render_timeline
from verifier.reports.text import render_text
from verifier.reports.timeline import assign_colours, timeline_of
from verifier.results import Step, Trace

from . import samples
from .htmlcheck import arrow_facts, parse, timeline_facts


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_well_formed(name: str) -> None:
    page = parse(render_html(samples.ALL[name]()))
    assert page.problems == []


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_self_contained(name: str) -> None:
    out = render_html(samples.ALL[name]())
    assert "http://" not in out and "https://" not in out
    page = parse(out)
    for tag, attrs in page.elements:
        assert tag not in ("script", "link", "img", "iframe", "object")
        for key in ("src", "href"):
            assert not attrs.get(key, "#").strip() or attrs.get(key, "#").startswith("#"), (tag, attrs)
    assert "Content-Security-Policy" in out


def test_timeline_lanes_and_fault_marks() -> None:
    page = parse(render_html(samples.dual_master()))
    lanes, marks = timeline_facts(page)
    assert lanes == [["P", "S", "T"], ["P", "S", "T"], ["P", "S", "T"]]
    # CutLink(P, T), Crash(T), CutLink(P, S) on the lanes they name.
    assert marks[0] == [("1", "P"), ("1", "T"), ("2", "T"), ("4", "P"), ("4", "S")]
    # DropAllMessages names no server: one mark across all lanes.
    assert marks[1] == [("1", "*")]
    assert marks[2] == []
    errors = page.with_class("error-mark")
    assert [a["data-step"] for _, a in errors] == ["2"]


def test_timeline_message_arrows() -> None:
    out = render_html(samples.dual_master())
    page = parse(out)
    # Elect(S, 2) at step 6: T's vote to S; the other timelines have no arrows.
    assert arrow_facts(page) == [[("6", "T", "S")], [], []]
    first_svg = out.split('<svg class="timeline"')[1].split("</svg>")[0]
    arrow = first_svg.split('<g class="message"')[1].split("</g>")[0]
    assert "<title>step 6: Elect(S, 2): message T → S</title>" in arrow
    assert 'class="msg-line"' in arrow and 'class="msg-head"' in arrow
    assert "fault" not in arrow  # its own colour, not the faults' red
    assert '<span class="msg-key"></span>message</li>' in out.split('<ul class="legend">')[1]
    assert '<span class="badge msg">message T → S</span>' in out  # the step table says it too
    assert out.count('class="msg-key"') == 1  # only the timeline with an arrow has the key


def _arrow_trace(arrows: tuple[tuple[int, str, str], ...], fail_last: bool = False) -> Trace:
    s0 = (("x", 0),)
    steps = (Step("Send", (("a", "P"),), False, s0), Step("Loop", (), False, s0),
             Step("Last", (), False, None if fail_last else s0))
    lanes = (("P", (1, 1, 1, 1)), ("S", (1, 1, 1, 1)), ("T", (1, 1, 1, 1)))
    return Trace(s0, steps, "boom" if fail_last else None, lanes, arrows)


def test_arrows_to_itself_to_no_lane_and_on_a_failed_step() -> None:
    tl = timeline_of(_arrow_trace(((1, "P", "T"), (2, "S", "S"), (3, "T", "P")), fail_last=True))
    # the failed step 3 draws nothing
    assert [(a.step, a.source, a.target) for a in tl.arrows] == [(1, "P", "T"), (2, "S", "S")]
    svg = render_timeline(tl, assign_colours([tl]), anchor="t", title="t")
    assert svg.count('<g class="message"') == 2
    loop = svg.split('data-from="S" data-to="S">')[1].split("</g>")[0]
    assert 'd="M' in loop and "C" in loop  # a small loop on the lane
    # an end that names no lane (a value the lanes do not have) is left out
    assert timeline_of(_arrow_trace(((1, "P", "X"), (2, 7, "S")))).arrows == ()
    # text and Markdown say it on the step, not on the failed one
    r = dataclasses.replace(samples.dual_master(), properties=(dataclasses.replace(
        samples.dual_master().properties[0], trace=_arrow_trace(((1, "P", "T"), (3, "T", "P")),
                                                                 fail_last=True)),))
    assert render_text(r).count("[message") == 1 and "Send(P)  [message P -> T]" in render_text(r)
    assert render_markdown(r).count("✉ message") == 1


def test_timeline_segments_and_legend() -> None:
    out = render_html(samples.dual_master())
    page = parse(out)
    first_svg = out.split('<svg class="timeline"')[1].split("</svg>")[0]
    seg_labels = re.findall(r'<g class="segment" data-label="([^"]*)"', first_svg)
    # P: master throughout; S: follower, candidate, master; T: follower, down, follower.
    assert seg_labels == ["master", "follower", "candidate", "master",
                          "follower", "down", "follower"]
    legend_items = out.split('<ul class="legend">')[1].split("</ul>")[0]
    for label in ("master", "follower", "candidate", "down", "fault"):
        assert label in legend_items
    # One colour per distinct label, the same in every timeline of the report.
    fills: dict[str, set[str]] = {}
    for seg in re.findall(r'data-label="([^"]*)"><title>[^<]*</title><rect [^>]*fill="(#[0-9a-f]{6})"', out):
        fills.setdefault(seg[0], set()).add(seg[1])
    assert all(len(v) == 1 for v in fills.values())
    assert len({next(iter(v)) for v in fills.values()}) == len(fills)
    # Hover titles name the step's action.
    assert "<title>step 2: Crash(T) (fault)</title>" in out
    assert page.with_class("ending")


def test_default_lanes_from_first_enum_keyed_map() -> None:
    out = render_html(samples.dual_master())
    assert "Lanes: the keys of <code>role</code>" in out


def test_no_lanes_without_a_map() -> None:
    base = samples.inconclusive()
    trace = Trace((("n", 1),), ())
    prop = dataclasses.replace(base.properties[0], trace=trace)
    out = render_html(dataclasses.replace(base, properties=(prop,)))
    assert '<svg class="timeline"' not in out
    assert "No lanes" in out
    assert parse(out).problems == []


def test_every_spec_string_is_escaped() -> None:
    out = render_html(samples.evil())
    assert "<script" not in out.lower()
    assert "<b>" not in out
    page = parse(out)
    assert page.problems == []
    assert not [t for t, _ in page.elements if t in ("script", "b")]
    text = "".join(page.text)
    assert samples.EVIL in text  # shown literally
    assert "<b>&amp;</b>" in text
    lane = f"{samples.EVIL}&\"q\"'s'"
    lanes, marks = timeline_facts(page)
    assert lanes == [[lane, "Q"]]  # attribute values round-trip through escaping
    assert marks == [[("1", lane)]]
    assert arrow_facts(page) == [[("1", lane, "Q")]]
    labels = [a["data-label"] for _, a in page.with_class("segment")]
    assert labels == ["a|b", "<b>&amp;</b>", samples.EVIL]


def test_responsive_and_scrollable() -> None:
    out = render_html(samples.dual_master())
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in out
    assert "@media (max-width: 640px)" in out
    assert '<div class="scroll">\n<svg class="timeline"' in out
