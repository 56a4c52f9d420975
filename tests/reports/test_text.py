"""The terminal rendering: golden files, colour only on request, difftrace shape."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from verifier.reports.text import render_text
from verifier.results import Step, Trace, VMap, VRecord

from . import samples

Golden = Callable[[str, str], None]


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_text_golden(name: str, golden: Golden) -> None:
    golden(f"{name}.txt", render_text(samples.ALL[name]()))


def test_text_golden_color(golden: Golden) -> None:
    golden("dual_master.color.txt", render_text(samples.dual_master(), color=True))


def test_text_golden_full_states(golden: Golden) -> None:
    golden("dual_master.full.txt", render_text(samples.dual_master(), full_states=True))


def test_no_ansi_unless_asked() -> None:
    for make in samples.ALL.values():
        assert "\x1b" not in render_text(make())
        assert "\x1b" not in render_text(make(), full_states=True)
    assert "\x1b[" in render_text(samples.dual_master(), color=True)


def test_colour_does_not_change_the_words() -> None:
    result = samples.dual_master()
    plain = render_text(result)
    coloured = render_text(result, color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_spec_text_cannot_drive_the_terminal() -> None:
    out = render_text(samples.evil())
    assert "\x1b" not in out
    assert "\\x1b[2J" in out  # shown, not obeyed


def test_trace_shows_only_changed_entries() -> None:
    out = render_text(samples.dual_master())
    step2 = out.split("Step 2  Crash(T)  [fault]\n")[1].split("  Step 3")[0]
    assert step2.splitlines() == [
        "      role[T]: follower -> down",
        "      up[T]: true -> false",
        "      faults.Crash: 0 -> 1",
    ]
    assert "      epoch.term: 1 -> 2" in out
    assert "      lease: none -> 79" in out
    assert "Step 1  CutLink(P, T)  [fault]" in out
    assert "Step 3  Restart(T)\n" in out  # no fault mark on a normal step


def test_violation_section_has_doc_location_and_source() -> None:
    out = render_text(samples.dual_master())
    section = out.split("== Counterexample: OneMaster (invariant, violated) ==")[1]
    assert section.startswith("\n  at most one serving master\n  at specs/flexlm_triad.fsl:42\n")
    assert "     42 | invariant OneMaster" in section
    assert "invariant OneMaster is false in this state" in section


def test_runtime_error_trace_ends_with_the_error() -> None:
    out = render_text(samples.dual_master())
    section = out.split("== Counterexample: runtime")[1].split("\nCoverage")[0]
    assert section.rstrip().endswith(
        "Step 2  Dequeue(S, 3)\n      runtime error: index 3 is out of range for queue "
        "(length 2) at specs/flexlm_triad.fsl:88:17")


def test_never_enabled_and_vacuous_are_flagged() -> None:
    out = render_text(samples.dual_master())
    assert re.search(r"Failback +0 +0 +never enabled", out)
    assert "warning: reachable PrimaryReturns was never reached" in out


def test_full_states_marks_changed_variables() -> None:
    out = render_text(samples.dual_master(), full_states=True)
    step1 = out.split("Step 1  CutLink(P, T)  [fault]\n")[1].split("  Step 2")[0]
    assert "     *links = {(P, S), (S, T)}" in step1
    assert "      role = {P: master, S: follower, T: follower}" in step1
    assert len(step1.splitlines()) == 8


def test_step_without_change_and_odd_values() -> None:
    init = (("m", VMap((("a", 1),))), ("r", VRecord((("x", True),))))
    after = (("m", VMap((("b", 2),))), ("r", VRecord((("x", 1),))))
    trace = Trace(init, (Step("Noop", (), False, init), Step("Swap", (), False, after)))
    result = dataclasses.replace(
        samples.inconclusive(),
        properties=(dataclasses.replace(samples.inconclusive().properties[0], trace=trace),))
    out = render_text(result)
    assert "Step 1  Noop\n      (no change)" in out
    assert "m[a]: 1 -> (absent)" in out and "m[b]: (absent) -> 2" in out
    assert "r.x: true -> 1" in out  # True and 1 are different values
