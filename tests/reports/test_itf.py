"""ITF traces, read back with the reference Python library ``itf-py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from verifier.reports.itf import trace_to_itf, value_to_itf, write_itf
from verifier.results import Step, Trace, Value, VMap, VRecord, VSeq, VSet, VTuple

from . import samples

itf_py = pytest.importorskip("itf_py", reason="pip install itf-py to run the ITF read-back tests")


def expected_python(v: Value) -> Any:
    """What itf-py should decode our encoding of ``v`` into."""
    if v is None:
        return "none"
    if isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, VSet):
        return frozenset(expected_python(x) for x in v.items)
    if isinstance(v, VMap):
        return {expected_python(k): expected_python(x) for k, x in v.pairs}
    if isinstance(v, VTuple):
        return tuple(expected_python(x) for x in v.items)
    if isinstance(v, VRecord):
        return {k: expected_python(x) for k, x in v.fields}
    return [expected_python(x) for x in v.items]


def decoded(x: Any) -> Any:
    """itf-py's records are namedtuples: compare them as dicts."""
    if hasattr(x, "_asdict"):
        return {k: decoded(v) for k, v in x._asdict().items()}
    if isinstance(x, dict):
        return {decoded(k): decoded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [decoded(v) for v in x]
    return x


def test_dual_master_round_trips_through_itf_py(tmp_path: Path) -> None:
    trace = samples.dual_master_trace()
    path = write_itf(trace, tmp_path / "t.itf.json", meta={"property": "OneMaster"})
    back = itf_py.trace_from_json(json.loads(path.read_text(encoding="utf-8")))
    names = [n for n, _ in trace.initial]
    assert back.vars == names
    assert back.meta["format"] == "ITF" and back.meta["property"] == "OneMaster"
    states = [trace.initial] + [s.state for s in trace.steps]
    assert len(back.states) == len(states)
    for i, (ours, theirs) in enumerate(zip(states, back.states, strict=True)):
        assert ours is not None
        assert theirs.meta["index"] == i
        assert {k: decoded(v) for k, v in theirs.values.items()} == {
            n: expected_python(v) for n, v in ours}
    assert back.states[1].meta == {"index": 1, "action": "CutLink(P, T)", "fault": True}
    assert back.states[6].meta["action"] == "Elect(S, 2)"
    assert back.states[6].values["links"] == frozenset({("S", "T")})
    assert back.states[6].values["role"]["S"] == "master"


def test_value_encodings() -> None:
    assert value_to_itf(None) == "none"
    assert value_to_itf(True) is True
    assert value_to_itf(2**53 - 1) == 2**53 - 1
    assert value_to_itf(2**53) == {"#bigint": str(2**53)}
    assert value_to_itf(-(2**60)) == {"#bigint": str(-(2**60))}
    assert value_to_itf(VSet((1, 2))) == {"#set": [1, 2]}
    assert value_to_itf(VMap((("P", True),))) == {"#map": [["P", True]]}
    assert value_to_itf(VTuple(("P", "S"))) == {"#tup": ["P", "S"]}
    assert value_to_itf(VRecord((("term", 1), ("leader", "P")))) == {"term": 1, "leader": "P"}
    assert value_to_itf(VSeq((1,))) == [1]


def test_nested_and_big_values_read_back() -> None:
    v = VMap(((VTuple(("P", "S")), VSet((VSeq((2**70, -3)), VSeq(())))),))
    back = itf_py.value_from_json(json.loads(json.dumps(value_to_itf(v))))
    assert list(back) == [("P", "S")]
    inner = back[("P", "S")]
    assert isinstance(inner, frozenset)
    assert sorted(list(x) for x in inner) == [[], [2**70, -3]]


def test_runtime_error_goes_into_meta() -> None:
    doc = trace_to_itf(samples.runtime_error_trace())
    assert len(doc["states"]) == 2  # the failed step has no state
    assert doc["#meta"]["failed_action"] == "Dequeue(S, 3)"
    assert doc["#meta"]["error"].startswith("index 3 is out of range")


def test_var_names_select_and_order() -> None:
    doc = trace_to_itf(samples.dual_master_trace(), var_names=["up", "role"])
    assert doc["vars"] == ["up", "role"]
    assert list(doc["states"][0]) == ["#meta", "up", "role"]
    with pytest.raises(ValueError, match="'nope' is not in state 0"):
        trace_to_itf(samples.dual_master_trace(), var_names=["nope"])


def test_initial_state_has_no_action() -> None:
    trace = Trace((("x", 0),), (Step("Inc", (), False, (("x", 1),)),))
    doc = trace_to_itf(trace)
    assert doc["states"][0]["#meta"] == {"index": 0}
    assert doc["states"][1]["#meta"] == {"index": 1, "action": "Inc", "fault": False}
