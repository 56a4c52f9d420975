"""The translation agrees with the reference semantics state by state: property values
and run-time errors, and the exact set of transitions and failing action instances out
of reachable and random (often unreachable, error-prone) states."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.symbolic.conftest import MODELS, SPECS, load
from tests.symbolic.oracle import Successors, ref_successors, ref_value, sample_states, sym_value
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.symbolic.transition import System

CASES = [
    ("mutex", lambda: load(SPECS / "mutex.fsl"), 6),
    ("epoch", lambda: load(SPECS / "epoch.fsl"), 6),
    ("epoch-nofence", lambda: load(SPECS / "epoch.fsl", FENCING=False), 4),
    ("triad", lambda: load(SPECS / "triad.fsl"), 3),
    ("triad-fixes", lambda: load(SPECS / "triad.fsl", RESERVE_SEATS=True, RECLAIM_HANDLE=True,
                                 PRIMARY_IS_MASTER=True, TAKEOVER_NEEDS_TERTIARY=True), 2),
    ("hal", lambda: load(SPECS / "hal.fsl"), 3),
    ("hal-variants", lambda: load(SPECS / "hal.fsl", QUORUM_RULE=True, ATOMIC_REDISTRIBUTION=False,
                                  RESERVE_SEATS=True, LICENSES=3), 2),
    ("dsls", lambda: load(SPECS / "dsls.fsl"), 2),
    ("dsls-ack", lambda: load(SPECS / "dsls.fsl", GRANT_NEEDS_ACK=True), 2),
]
# SYMBOLIC_THOROUGH=5 samples five times as many states (a slower, deeper run).
SCALE = int(os.environ.get("SYMBOLIC_THOROUGH", "1"))


@pytest.mark.parametrize("name,make,n", CASES, ids=[c[0] for c in CASES])
def test_properties_and_transitions_match_reference(name: str, make, n: int) -> None:
    model = make()
    system = System(model)
    st = system.state("probe")
    succ = Successors(model)
    n *= SCALE
    for state in sample_states(model, n, seed=len(name), reachable=(n + 1) // 2):
        for p in model.properties:
            assert sym_value(system, p, st, state) == ref_value(p, state), (p.name, state)
        assert succ.of(state) == ref_successors(model, state), state


def test_shipped_model_with_fault_caps() -> None:
    path = sorted(MODELS.glob("*.toml"))[0]
    model = load_model(load_config(Path(path)))
    succ = Successors(model)
    for state in sample_states(model, 2 * SCALE, reachable=2 * SCALE):
        assert succ.of(state) == ref_successors(model, state)
