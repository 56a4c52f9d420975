"""The HTML report in a real browser (Debian's headless Chromium).

One browser, driven over the DevTools protocol (``cdp.py``), opens the report at a
wide and at a phone-sized viewport and checks that: the page logs nothing (no
console message, no blocked load: its Content-Security-Policy would report any
attempt to fetch something, no script error); the laid-out timeline shows the
expected lanes, fault marks on the right lanes and message arrows between them; the page is no wider than the
phone screen (wide parts scroll in their own box). Screenshots at both sizes are
checked and, with ``UPDATE_GOLDEN=1``, copied to docs/ for the README.

Skipped when /usr/bin/chromium is absent (CI installs it: apt-get install -y chromium).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from verifier.reports.html import render_html

from . import samples
from .cdp import Browser
from .conftest import updating
from .htmlcheck import parse, timeline_facts

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"
WIDE = (1280, 1500)
NARROW = (390, 1500)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install -y chromium)")

# Reads the laid-out timelines (run through the protocol: the page itself has no script).
PROBE = """(() => {
  const out = {innerWidth: innerWidth, scrollWidth: document.documentElement.scrollWidth,
               timelines: []};
  for (const svg of document.querySelectorAll('svg.timeline')) {
    const box = svg.getBoundingClientRect();
    const t = {width: box.width, height: box.height, lanes: [], marks: [], arrows: []};
    for (const g of svg.querySelectorAll('g.lane')) {
      const b = g.getBBox();
      t.lanes.push({name: g.dataset.lane, y: b.y, height: b.height, width: b.width,
                    segments: g.querySelectorAll('g.segment').length});
    }
    for (const g of svg.querySelectorAll('g.fault-mark')) {
      const b = g.getBBox();
      t.marks.push({step: g.dataset.step, lane: g.dataset.lane, y: b.y, height: b.height,
                    width: b.width});
    }
    for (const g of svg.querySelectorAll('g.message')) {
      const b = g.getBBox();
      t.arrows.push({step: g.dataset.step, from: g.dataset.from, to: g.dataset.to,
                     x: b.x, y: b.y, width: b.width, height: b.height});
    }
    out.timelines.push(t);
  }
  return out;
})()"""


@dataclass(frozen=True)
class Pages:
    browser: Browser
    wide: str
    narrow: str
    tmp: Path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    tmp = tmp_path_factory.mktemp("browser")
    report = tmp / "report.html"
    report.write_text(render_html(samples.dual_master()), encoding="utf-8")
    browser = Browser(CHROMIUM, tmp / "profile")
    try:
        wide = browser.open(report.as_uri(), *WIDE, mobile=False)
        narrow = browser.open(report.as_uri(), *NARROW, mobile=True)
        yield Pages(browser, wide, narrow, tmp)
    finally:
        browser.close()


def test_no_console_messages(pages: Pages) -> None:
    assert pages.browser.console(pages.wide) == []
    assert pages.browser.console(pages.narrow) == []


def test_console_capture_works(pages: Pages) -> None:
    """The check above is not vacuous: a page that logs and fetches is caught."""
    bad = pages.tmp / "bad.html"
    bad.write_text('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                   "content=\"default-src 'none'; script-src 'unsafe-inline'\">"
                   '<script>console.error("boom")</script><img src="x.png">', encoding="utf-8")
    session = pages.browser.open(bad.as_uri(), 800, 600, mobile=False)
    found = pages.browser.console(session)
    assert any("boom" in line for line in found)
    assert any("Content Security Policy" in line for line in found)


def test_rendered_dom_has_lanes_and_marks(pages: Pages) -> None:
    dom = pages.browser.evaluate(pages.wide, "document.documentElement.outerHTML")
    lanes, marks = timeline_facts(parse(dom))
    assert lanes == [["P", "S", "T"]] * 3
    assert marks[0] == [("1", "P"), ("1", "T"), ("2", "T"), ("4", "P"), ("4", "S")]
    assert marks[1] == [("1", "*")]


@pytest.mark.parametrize("viewport", ["wide", "narrow"])
def test_timeline_layout(pages: Pages, viewport: str) -> None:
    data: dict[str, Any] = pages.browser.evaluate(getattr(pages, viewport), PROBE)
    first = data["timelines"][0]
    assert first["width"] > 500 and first["height"] > 100  # full size, scrolled if need be
    by_name = {lane["name"]: lane for lane in first["lanes"]}
    assert list(by_name) == ["P", "S", "T"]
    assert [lane["segments"] for lane in first["lanes"]] == [1, 3, 3]
    assert all(lane["width"] > 400 and lane["height"] > 20 for lane in first["lanes"])
    assert len(first["marks"]) == 5
    for mark in first["marks"]:
        lane = by_name[mark["lane"]]
        centre = mark["y"] + mark["height"] / 2
        assert lane["y"] <= centre <= lane["y"] + lane["height"], mark
        assert mark["width"] > 5
    # T's vote to S at step 6: from T's lane up into S's, across the step's boundary.
    (arrow,) = first["arrows"]
    assert (arrow["step"], arrow["from"], arrow["to"]) == ("6", "T", "S")
    s, t = by_name["S"], by_name["T"]
    assert s["y"] < arrow["y"] < s["y"] + s["height"] < t["y"] < arrow["y"] + arrow["height"]
    assert arrow["y"] + arrow["height"] <= t["y"] + t["height"]
    assert 20 < arrow["width"] < 60
    across = data["timelines"][1]["marks"][0]
    lanes = data["timelines"][1]["lanes"]
    assert across["lane"] == "*"
    assert across["y"] <= lanes[0]["y"]
    assert across["y"] + across["height"] >= lanes[-1]["y"] + lanes[-1]["height"]


def test_page_fits_a_phone_width(pages: Pages) -> None:
    data = pages.browser.evaluate(pages.narrow, PROBE)
    assert data["innerWidth"] == NARROW[0]
    assert data["scrollWidth"] <= data["innerWidth"], "wide content must scroll in its own box"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_screenshots(pages: Pages) -> None:
    for session, size, name in ((pages.wide, WIDE, "report-screenshot.png"),
                                (pages.narrow, NARROW, "report-screenshot-narrow.png")):
        png = pages.browser.screenshot(session)
        assert _png_size(png) == size
        assert len(png) > 20_000  # a rendered page, not a blank one
        shot = pages.tmp / name
        shot.write_bytes(png)
        if updating():
            shutil.copyfile(shot, DOCS / name)
