"""The state limit is exact and a MemoryError is inconclusive (issue 11, items 13, 11).

`--max-states 100` used to explore 237 states: the limit was looked at once per
breadth-first level. The search now stores exactly the first `max_states` new states in
breadth-first discovery order, and is complete only when no other state exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from verifier.config.load import load_spec
from verifier.engine import run_check
from verifier.engine.explicit import explore
from verifier.engine.options import CheckOptions
from verifier.engine.select import make_stepper
from verifier.engine.store import PackedStore, SetStore

ROOT = Path(__file__).resolve().parents[2]
MUTEX = ROOT / "specs" / "mutex.fsl"
BIG = ROOT / "bench" / "counters.fsl"


def _discovery_order(stepper: Any) -> list[Any]:
    """Every reachable state, breadth-first, in the order the search first meets it."""
    order: list[Any] = []
    seen: set[Any] = set()
    frontier: list[Any] = []
    for s in stepper.initial():
        if s not in seen:
            seen.add(s)
            order.append(s)
            frontier.append(s)
    while frontier:
        out: list[Any] = []
        stepper.expand_level(frontier, out, [], [], [])
        frontier = []
        for s in out:
            if s not in seen:
                seen.add(s)
                order.append(s)
                frontier.append(s)
    return order


def _stored(store: Any) -> set[Any]:
    if isinstance(store, SetStore):
        return set(store.seen)
    return {int(x) for x in store.main} | {int(x) for x in store.delta}


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_the_limit_keeps_the_first_states_in_discovery_order(mode: str) -> None:
    model = load_spec(MUTEX)
    order = _discovery_order(make_stepper(model, (), mode))
    total = len(order)
    for limit in (1, 2, 7, 100, total - 1, total, total + 1):
        stepper = make_stepper(model, (), mode)
        store: Any = PackedStore() if stepper.packed else SetStore()
        ex = explore(stepper, store, CheckOptions(max_states=limit, compiled=mode), 0)
        want = min(limit, total)
        assert ex.states == len(store) == want, (limit, ex.states, len(store))
        assert _stored(store) == set(order[:want])
        assert ex.complete is (limit >= total), limit
        assert (ex.stop_reason is None) is (limit >= total)


def test_the_cli_limit_is_the_state_count(capsys: pytest.CaptureFixture[str]) -> None:
    from verifier.cli import main

    assert main(["check", str(BIG), "--max-states", "100", "--no-reports"]) == 3
    out = capsys.readouterr().out
    assert "States           100 distinct (1 initial)" in out
    assert "incomplete: state limit (100)" in out


def test_a_memory_error_in_the_search_keeps_the_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    real = PackedStore.add_batch_limited
    calls = [0]

    def add(self: PackedStore, candidates: list[int], room: int | None) -> tuple[list[int], bool]:
        calls[0] += 1
        if calls[0] == 5:
            raise MemoryError
        return real(self, candidates, room)

    monkeypatch.setattr(PackedStore, "add_batch_limited", add)
    r = run_check(load_spec(BIG), CheckOptions(kernel="off"))
    assert (r.complete, r.stop_reason) == (False, "out of memory")
    assert r.stats.states > 0 and r.stats.depth == 3  # the four levels stored before
    assert {p.verdict for p in r.properties} == {"inconclusive"}


def test_a_memory_error_in_the_kernel_search_keeps_the_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.engine.kernel.search import KernelSearch

    def grow(self: KernelSearch, status: int) -> None:
        raise MemoryError

    monkeypatch.setattr(KernelSearch, "_grow", grow)
    r = run_check(load_spec(BIG), CheckOptions(kernel="on"))
    assert r.backend == "kernel"
    assert (r.complete, r.stop_reason) == (False, "out of memory")
    assert r.stats.states > 0 and r.stats.depth > 0
    assert {p.verdict for p in r.properties} == {"inconclusive"}
