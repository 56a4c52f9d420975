"""Reports do not mislead at a glance (issue 11, item 6): the verdict and whether it was
expected are shown apart (an expected violation is a red "violated", "as expected"),
and a lane label has one colour in every report of a spec, a stopped state never green."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from verifier.reports.html import render_html
from verifier.reports.markdown import render_markdown
from verifier.reports.timeline import DOWN_FILLS, PALETTE, assign_colours, is_down, timeline_of
from verifier.results import Step, Trace

from . import samples

ROOT = Path(__file__).resolve().parents[2]
GREENS = {"#59a14f", "#8cd17d"}


def test_an_expected_violation_is_red_and_as_expected() -> None:
    md = render_markdown(samples.dual_master())
    assert "| `OneMaster` | invariant | 🔴 violated | violated | ✅ as expected |  |" in md
    assert "| `PrimaryReturns` | reachable | ⚠️ vacuous | holds | ❌ NOT as expected |  |" in md
    html = render_html(samples.dual_master())
    row = re.search(r"<tr><td><a[^>]*><code>OneMaster</code></a></td>.*?</tr>", html)
    assert row is not None
    assert '<td class="verdict bad">violated</td>' in row.group(0)
    assert '<td class="good">as expected</td>' in row.group(0)


def _trace(labels: tuple[str, ...], values: tuple[str, ...]) -> Trace:
    s0 = (("x", 0),)
    steps = tuple(Step("Tick", (), False, s0) for _ in labels[1:])
    return Trace(s0, steps, None, (("P", labels),), lane_values=values)


def test_a_label_has_the_colour_of_its_place_in_the_spec() -> None:
    values = ("Off", "Backup", "Serving")  # the triad's Status, in declaration order
    one = assign_colours([timeline_of(_trace(("Serving", "Backup"), values))])
    two = assign_colours([timeline_of(_trace(("Off", "Serving"), values))])
    assert one.fill("Serving") == two.fill("Serving") == PALETTE[1]
    assert one.fill("Backup") == two.fill("Backup") == PALETTE[0]
    assert one.fill("Off") == two.fill("Off") == DOWN_FILLS[0]


def test_stopped_states_are_grey() -> None:
    assert [is_down(x) for x in ("Down", "Off", "CutOff", "crashed", "NODE_FAILED", "Isolated")] == [True] * 6
    assert [is_down(x) for x in ("Serving", "OnHold", "Backup", "Idle", "Offer", "Downstream")] == [False] * 6
    assert not is_down(True) and not is_down(3)


def test_the_shipped_reports_colour_each_status_once_per_spec() -> None:
    """Over the committed reports: per spec, every label has one colour, and a label
    naming a stopped state is never green."""
    colours: dict[tuple[str, str], set[str]] = defaultdict(set)
    for html in sorted((ROOT / "reports").glob("*/report.html")):
        text = html.read_text(encoding="utf-8")
        spec = re.search(r"<code>(specs/[^<]+\.fsl)</code>", text)
        assert spec is not None, html
        for fill, label in re.findall(r'class="swatch" style="background:(#[0-9a-f]{6});[^"]*">'
                                      r"</span><code>([^<]+)</code>", text):
            colours[(spec.group(1), label)].add(fill)
    assert colours, "no timeline legend found in reports/"
    several = {k: v for k, v in colours.items() if len(v) > 1}
    assert not several
    for (_, label), fills in colours.items():
        if is_down(label):
            assert not fills & GREENS and fills <= set(DOWN_FILLS), (label, fills)
