"""Units under the renderers: state diffs, timeline lanes, segments, fault marks,
colours, summary wording."""

from __future__ import annotations

import dataclasses

from verifier.reports import summary as sm
from verifier.reports.diff import ABSENT, Change, diff_states, diff_value, same, step_views
from verifier.reports.svg import label_span
from verifier.reports.timeline import (
    FALSE_FILL,
    NONE_FILL,
    PALETTE,
    Segment,
    assign_colours,
    default_lanes,
    timeline_of,
)
from verifier.results import Step, Trace, VMap, VRecord, VSet, VTuple

from . import samples


def test_diff_opens_maps_and_records() -> None:
    old = VMap((("P", VRecord((("role", "master"), ("up", True)))), ("S", 1)))
    new = VMap((("P", VRecord((("role", "follower"), ("up", True)))), ("T", 2)))
    assert diff_value("srv", old, new) == [
        Change("srv[P].role", "master", "follower"),
        Change("srv[S]", "1", ABSENT),
        Change("srv[T]", ABSENT, "2"),
    ]


def test_diff_keeps_sets_whole_and_types_strict() -> None:
    assert diff_value("s", VSet((1,)), VSet((1, 2))) == [Change("s", "{1}", "{1, 2}")]
    assert not same(True, 1) and same(VSet((1,)), VSet((1,)))
    assert diff_states((("x", 1),), (("x", True),)) == (Change("x", "1", "true"),)
    assert diff_states((("x", 1),), (("y", 1),)) == (Change("y", ABSENT, "1"),
                                                     Change("x", "1", ABSENT))


def test_step_views_carry_the_runtime_error() -> None:
    views = step_views(samples.runtime_error_trace())
    assert views[0].error is None and views[0].changes
    assert views[1].error is not None and views[1].error.startswith("index 3")
    no_msg = dataclasses.replace(samples.runtime_error_trace(), error=None)
    assert step_views(no_msg)[1].error == "the step failed (no successor state)"


def test_timeline_from_annotated_lanes() -> None:
    tl = timeline_of(samples.dual_master_trace())
    assert [lane.name for lane in tl.lanes] == ["P", "S", "T"]
    assert tl.lanes[2].segments == (Segment(0, 2, "follower"), Segment(2, 3, "down"),
                                    Segment(3, 7, "follower"))
    assert tl.states == 7 and tl.fault_steps == (1, 2, 4)
    assert [(m.step, m.lanes) for m in tl.faults] == [(1, ("P", "T")), (2, ("T",)),
                                                      (4, ("P", "S"))]
    assert tl.derived_from is None and tl.error_step is None


def test_timeline_of_a_runtime_error_has_one_state_less() -> None:
    tl = timeline_of(samples.runtime_error_trace())
    assert tl.error_step == 2
    assert tl.lanes[0].segments == (Segment(0, 1, "master"), Segment(1, 2, "follower"))


def test_default_lanes_skip_maps_without_enum_keys() -> None:
    init = (("count", VMap(((1, "a"),))), ("up", VMap((("P", True), ("S", False)))))
    after = (("count", VMap(((1, "a"),))), ("up", VMap((("P", False), ("S", False)))))
    trace = Trace(init, (Step("Crash", (("s", "P"),), True, after),))
    lanes, var = default_lanes(trace)
    assert var == "up"
    assert lanes == (("P", (True, False)), ("S", (False, False)))
    tl = timeline_of(trace)
    assert tl.derived_from == "up" and tl.faults[0].lanes == ("P",)


def test_colours_by_first_appearance_with_neutral_none_and_false() -> None:
    s0 = (("x", 0),)
    steps = tuple(Step("Tick", (), False, s0) for _ in range(3))
    trace = Trace(s0, steps, None, (("A", ("m", None, False, "f")), ("B", ("f", "g"))))
    colours = assign_colours([timeline_of(trace)])
    assert colours.fill("m") == PALETTE[0]
    assert colours.fill("f") == PALETTE[1]
    assert colours.fill("g") == PALETTE[2]
    assert colours.fill(None) == NONE_FILL and colours.fill(False) == FALSE_FILL


def test_lanes_stop_at_the_last_state() -> None:
    trace = Trace((("x", 0),), (), None, (("A", ("m", "n", "o")),))
    assert timeline_of(trace).lanes[0].segments == (Segment(0, 1, "m"),)


def test_labels_avoid_fault_marks() -> None:
    assert label_span(0, 6, frozenset({1, 4})) == (1, 4)
    assert label_span(0, 2, frozenset({1})) == (0, 1)
    assert label_span(0, 3, frozenset()) == (0, 3)


def test_outcome_line() -> None:
    assert sm.outcome_line(samples.dual_master()) == (
        "2 violated, 3 holding, 1 vacuous; 1 not as expected")
    assert sm.outcome_line(samples.evil()) == "1 violated; all as expected"
    one = dataclasses.replace(samples.dual_master(),
                              properties=samples.dual_master().properties[1:2])
    assert sm.outcome_line(one) == "1 holding; all as expected"  # not "1 holds" (issue 11)


def test_vacuity_as_error_is_said() -> None:
    r = dataclasses.replace(samples.dual_master(), vacuity_is_error=True)
    assert any("vacuity_is_error" in w for w in sm.warning_lines(r))
    rows = {row.name: row for row in sm.verdict_rows(r)}
    assert rows["PrimaryReturns"].tone == sm.BAD


def test_fault_marks_follow_tuple_and_set_parameters() -> None:
    s0 = (("x", 0),)
    steps = (Step("CutLink", (("l", VTuple(("P", "T"))),), True, s0),
             Step("Isolate", (("g", VSet(("S",))),), True, s0),
             Step("CutLink", (("l", "PT"),), True, s0))
    lanes = (("P", (1, 1, 1, 1)), ("S", (1, 1, 1, 1)), ("T", (1, 1, 1, 1)))
    tl = timeline_of(Trace(s0, steps, None, lanes))
    assert [m.lanes for m in tl.faults] == [("P", "T"), ("S",), ()]


def test_overall_tone() -> None:
    assert sm.overall_tone(samples.dual_master()) == sm.BAD      # runtime error, vacuous
    assert sm.overall_tone(samples.evil()) == sm.GOOD            # violated, as expected
    # inconclusive, so not as expected, but not a failure either: exit code 3
    assert sm.overall_tone(samples.inconclusive()) == sm.WARN
