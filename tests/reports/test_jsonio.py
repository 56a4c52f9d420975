"""result.json: exact round trip, stable text, clear errors for bad input."""

from __future__ import annotations

import dataclasses
import json

import pytest

from verifier.lang.diagnostics import ConfigError
from verifier.reports.jsonio import result_from_json, result_to_json
from verifier.results import SCHEMA_VERSION, Trace, VMap, VRecord, VSeq, VSet, VTuple

from . import samples


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_round_trip_is_exact(name: str) -> None:
    result = samples.ALL[name]()
    text = result_to_json(result)
    back = result_from_json(text)
    assert back == result
    assert result_to_json(back) == text  # also catches True/1 confusion, which == hides


def test_arrows_are_written_and_required() -> None:
    data = json.loads(result_to_json(samples.dual_master()))
    trace = data["properties"][0]["trace"]
    assert list(trace) == ["initial", "steps", "error", "lanes", "arrows", "loop", "trigger",
                           "stutter", "lane_values"]
    assert trace["arrows"] == [[6, "T", "S"]]
    assert data["properties"][2]["trace"]["arrows"] == []
    del trace["arrows"]
    assert "$.properties[0].trace: missing field 'arrows'" in _error(json.dumps(data))


def test_lasso_marks_round_trip_and_are_checked() -> None:
    result = samples.liveness()
    assert result_from_json(result_to_json(result)) == result
    data = json.loads(result_to_json(result))
    trace = data["properties"][0]["trace"]
    assert (trace["loop"], trace["trigger"], trace["stutter"]) == (1, 1, False)
    trace["loop"] = 99
    assert "$.properties[0].trace.loop: state 99 is not a state of the trace" in _error(json.dumps(data))


def test_text_shape() -> None:
    text = result_to_json(samples.dual_master())
    assert text.endswith("}\n") and not text.endswith("\n\n")
    data = json.loads(text)
    assert list(data)[:2] == ["format", "schema_version"]
    assert data["schema_version"] == SCHEMA_VERSION
    assert text == result_to_json(samples.dual_master())


def test_values_keep_types_and_order() -> None:
    values = (True, 1, 0, False, None, "P", 2**80, -5, VSet(("b", "a")),
              VMap(((1, True), (True, 1))), VRecord((("z", 1), ("a", VSeq(())))),
              VTuple((VSet(()), VMap(()))), VSeq((VTuple((1, "x")),)))
    trace = Trace(tuple((f"v{i}", v) for i, v in enumerate(values)), ())
    base = samples.inconclusive()
    prop = dataclasses.replace(base.properties[0], trace=trace)
    result = dataclasses.replace(base, properties=(prop,), constants=(("K", True),))
    text = result_to_json(result)
    back = result_from_json(text)
    assert back.properties[0].trace is not None
    for (_, a), (_, b) in zip(trace.initial, back.properties[0].trace.initial, strict=True):
        assert type(a) is type(b) and a == b
    assert result_to_json(back) == text


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        result_from_json(text, source="out/result.json")
    return info.value.render()


def test_malformed_json() -> None:
    msg = _error('{"format": ')
    assert msg.startswith("out/result.json: error[R001]: not valid JSON")
    assert "hint:" in msg


def test_not_a_result() -> None:
    assert "not a verifier result" in _error('{"#meta": {}, "vars": [], "states": []}')
    assert "not a verifier result" in _error("[1, 2]")


def test_other_schema_version() -> None:
    data = json.loads(result_to_json(samples.dual_master()))
    data["schema_version"] = SCHEMA_VERSION + 1
    msg = _error(json.dumps(data))
    assert "error[R002]" in msg
    assert f"schema version {SCHEMA_VERSION + 1} is not supported" in msg


@pytest.mark.parametrize(("path", "value", "expected"), [
    (["properties", 0, "trace", "steps", 2, "fault"], 1,
     "$.properties[0].trace.steps[2].fault: expected true or false, got a number"),
    (["stats", "states"], "12", "$.stats.states: expected an integer, got a string"),
    (["stats", "states"], True, "$.stats.states: expected an integer, got a boolean"),
    (["properties", 0, "trace", "initial", 0, 1], {"#bag": []},
     "$.properties[0].trace.initial[0][1]: expected a value"),
    (["properties", 0, "trace", "initial", 0], ["role"],
     "$.properties[0].trace.initial[0]: expected a [name, value] pair, got 1 items"),
    (["coverage", 0], {"name": "X"}, "$.coverage[0]: missing field 'fault'"),
    (["properties", 0, "colour"], "red", "$.properties[0]: unknown field 'colour'"),
    (["properties", 0, "trace", "arrows", 0], [6, "T"],
     "$.properties[0].trace.arrows[0]: expected a [step, from, to] triple, got 2 items"),
    (["properties", 0, "trace", "arrows", 0, 0], 7,
     "$.properties[0].trace.arrows[0][0]: step 7 is not a step of the trace (1..6)"),
    (["properties", 0, "trace", "arrows", 0, 0], "6",
     "$.properties[0].trace.arrows[0][0]: expected an integer, got a string"),
    (["properties", 0, "trace", "arrows", 0, 2], {"#bag": []},
     "$.properties[0].trace.arrows[0][2]: expected a value"),
])
def test_errors_name_the_json_path(path: list[object], value: object, expected: str) -> None:
    data = json.loads(result_to_json(samples.dual_master()))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    msg = _error(json.dumps(data))
    assert "error[R003]" in msg
    assert expected in msg
