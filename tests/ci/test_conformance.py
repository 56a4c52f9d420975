"""Conformance testing: the example triad implementation (``examples/``) conforms to
``specs/triad.fsl``; its seeded split-brain bug is caught and shrunk."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from verifier.config.load import load_spec
from verifier.lang.semantics import initial_states
from verifier.testing.conformance import ConformanceError, check_conformance, plain_state

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from triad_adapter import TriadAdapter  # noqa: E402

TRIAD = load_spec(ROOT / "specs" / "triad.fsl")
CONSTANTS = {name: value for name, value, _ in TRIAD.constants}


def test_the_example_implementation_conforms() -> None:
    check_conformance(TRIAD, lambda: TriadAdapter(CONSTANTS), examples=40, max_steps=30)


def test_the_seeded_bug_is_caught_and_shrunk() -> None:
    with pytest.raises(ConformanceError) as info:
        check_conformance(TRIAD, lambda: TriadAdapter(CONSTANTS, bug="sticky-master"),
                          examples=300, max_steps=30)
    d = info.value.divergence
    assert d is not None
    # The shortest way to lose quorum: cut the master off, then TIMEOUT (2) heartbeat
    # rounds; the CI profile finds exactly that. (A random run may stop at a 4-step local
    # minimum: crash both peers, then two rounds.)
    labels = d.behaviour.labels()
    assert len(labels) <= 4 and labels[-2:] == ["Tick", "Tick"]
    assert (d.step, d.path, d.model, d.implementation) == (len(labels), "master[P]", "false", "true")
    message = str(info.value)
    assert "master[P] is false in the model but true in the implementation" in message
    assert f"{len(labels)}. Tick  <- diverges here" in message


class _Toggle:
    """A one-variable implementation with a configurable way to go wrong."""

    def __init__(self, fault: str | None = None) -> None:
        self.fault = fault
        self.x = False

    def reset(self, initial: Mapping[str, Any]) -> None:
        self.x = initial["x"]

    def apply(self, action: str, params: Mapping[str, Any]) -> None:
        if self.fault == "raise":
            raise RuntimeError("boom")
        if action == "Flip":
            self.x = not self.x

    def observe(self) -> Mapping[str, Any]:
        if self.fault == "unknown":
            return {"x": self.x, "y": 1}
        return {"x": self.x}


TOGGLE = """
var x: bool = false
var n: 0..3 = 0
action Flip { x = not x  n = min(n + 1, 3) }
action Either { either { x = true } or { x = false } }
invariant T: true
"""


def toggle_model() -> Any:
    from verifier.lang.checker import check_spec
    from verifier.lang.parser import parse

    return check_spec(parse(TOGGLE, "toggle.fsl"), TOGGLE)


def test_nondeterminism_follows_the_implementation() -> None:
    # `Either` may set x either way; an implementation that leaves it unchanged matches
    # one branch, and the unobserved counter n is not compared
    check_conformance(toggle_model(), _Toggle, examples=30, max_steps=10)


def test_an_exception_in_the_implementation_is_a_divergence() -> None:
    with pytest.raises(ConformanceError, match="raised RuntimeError: boom"):
        check_conformance(toggle_model(), lambda: _Toggle("raise"), examples=10, max_steps=5)


def test_observing_an_unknown_variable_is_an_error() -> None:
    with pytest.raises(ConformanceError, match="`y`, which is not a variable"):
        check_conformance(toggle_model(), lambda: _Toggle("unknown"), examples=5, max_steps=3)


def test_plain_state_uses_plain_python_values() -> None:
    state = plain_state(TRIAD, initial_states(TRIAD)[0])
    assert state["master"] == {"P": True, "S": False, "T": False}
    assert state["cut"] == frozenset()
    assert state["conn"] == {"A": None, "B": None}
    assert "failbacks" in state
