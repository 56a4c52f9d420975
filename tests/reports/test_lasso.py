"""A lasso (liveness counterexample) in every report format: the loop in the text and
Markdown step lists, the HTML timeline's loop mark (shaded columns and the way back, or
the stay on the last state), and ITF's top-level ``loop`` (ADR-015), read back by itf-py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reports import samples
from verifier.reports import render, write_reports
from verifier.reports.itf import trace_to_itf


def test_lassos_in_text_and_markdown() -> None:
    result = samples.liveness()
    for fmt in ("text", "md"):
        out = render(result, fmt)
        assert "back to state 1: steps 2..3 repeat forever" in out, fmt
        assert "stays in this state forever" in out, fmt
        assert "the loop starts here" in out, fmt


def test_the_timeline_marks_the_loop() -> None:
    html = render(samples.liveness(), "html")
    loops = html.split('<g class="loop-mark"')[1:]
    assert len(loops) == 2
    cycle, stay = loops
    assert cycle.startswith(' data-loop="1" data-stutter="false">')
    assert "back to state 1: repeats forever" in cycle and 'class="loop-area"' in cycle
    assert stay.startswith(' data-loop="1" data-stutter="true">')
    assert "stays here forever" in stay


def test_itf_has_the_loop_field(tmp_path: Path) -> None:
    result = samples.liveness()
    traces = [p.trace for p in result.properties if p.trace is not None]
    assert [trace_to_itf(t)["loop"] for t in traces] == [1, 1]
    assert "loop" not in trace_to_itf(samples.dual_master().properties[0].trace)  # type: ignore[arg-type]
    written = write_reports(result, tmp_path, formats=("itf",))
    doc = json.loads(written[0].read_text(encoding="utf-8"))
    assert doc["loop"] == 1 and doc["#meta"]["loop"] == "1"
    itf_py = pytest.importorskip("itf_py")
    back = itf_py.trace_from_json(doc)
    assert back.loop == 1 and len(back.states) == 4
