"""Pinned examples of every temporal form and fairness kind, holding and violated, each
violation with its expected counterexample: the steps, where the loop starts (or that
the behaviour stops, or that the bound passes) and where the trigger holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import results as R
from verifier.config import spec_model
from verifier.config.load import load_model
from verifier.engine import run_check
from verifier.engine.options import CheckOptions

MUTEX = """
enum Pc { idle, waiting, critical }
type Proc = 0..1
var pc: Proc -> Pc = {p: idle for p in Proc}
var lock: bool = false

fair action Request(p: Proc) {
  require pc[p] == idle
  pc[p] = waiting
}

ENTER action Enter(p: Proc) {
  require pc[p] == waiting and not lock
  lock = true
  pc[p] = critical
}

fair action Exit(p: Proc) {
  require pc[p] == critical
  lock = false
  pc[p] = idle
}

liveness EachEnters(p: Proc): pc[p] == waiting ~> pc[p] == critical
liveness SomeoneInside: always eventually (exists p in Proc: pc[p] == critical)
liveness LockSettles: eventually always not lock
liveness EntersSoon(p: Proc): pc[p] == waiting ~> pc[p] == critical within 3
liveness NoStarvation(p: Proc): always (pc[p] == waiting => eventually pc[p] == critical)
liveness WaitsUntilIn(p: Proc): always (pc[p] == waiting => (pc[p] == waiting until pc[p] == critical))
liveness IdleAgain: always eventually (forall p in Proc: pc[p] == idle)
"""

# A crashed server restarts; once it is up, a fair Elect makes it master after two
# ticks of silence. Fair actions are urgent for a bound in ticks.
TICKS = """
var up: bool = true
var master: bool = true
var silent: 0..3 = 0
fault action Crash {
  require up
  up = false
  master = false
}
action Restart {
  require not up
  up = true
  silent = 0
}
fair action Tick {
  silent = if master then 0 else min(silent + 1, 3)
}
fair action Elect {
  require up and not master and silent >= 2
  master = true
}
liveness ServedIn2 "a restarted server serves within 2 ticks": up ~> master within 2 ticks of Tick while up
liveness ServedIn1: up ~> master within 1 ticks of Tick while up
liveness ServedIn9Steps: up ~> master within 9 while up
liveness Served: up ~> master while up
"""

# Step(0) once, Step(1) for ever: fairness per instance, or for the action as a whole.
INSTANCES = """
var done: bool = false
var x: 0..1 = 0
FAIR action Step(p: 0..1) {
  if p == 0 {
    require not done
    done = true
  } else {
    x = 1 - x
  }
}
liveness GetsDone: true ~> done
liveness Done: eventually done
"""


def check(tmp_path: Path, text: str) -> dict[str, R.PropertyResult]:
    path = tmp_path / "spec.fsl"
    path.write_text(text, encoding="utf-8")
    result = run_check(load_model(spec_model(path)), CheckOptions())
    return {p.name: p for p in result.properties if p.kind == R.LIVENESS}


def lasso(p: R.PropertyResult) -> tuple[list[str], int | None, int | None, bool]:
    assert p.verdict == R.VIOLATED and p.trace is not None
    t = p.trace
    return [s.label() for s in t.steps], t.loop, t.trigger, t.stutter


def test_weak_fairness_per_instance(tmp_path: Path) -> None:
    res = check(tmp_path, MUTEX.replace("ENTER", "fair"))
    assert res["SomeoneInside"].verdict == R.HOLDS
    # fair requests come back: the processes take turns, one of them always waiting
    assert lasso(res["IdleAgain"])[1:] == (1, None, False)
    # Enter(0) is disabled whenever process 1 holds the lock: weak fairness lets it wait
    assert lasso(res["EachEnters"]) == (["Request(0)", "Request(1)", "Enter(1)", "Exit(1)"], 1, 1, False)
    assert res["EachEnters"].note is not None and res["EachEnters"].note.startswith("for p = 0: ")
    assert lasso(res["NoStarvation"]) == (
        ["Request(0)", "Request(1)", "Enter(1)", "Exit(1)", "Request(1)"], 2, None, False)
    assert lasso(res["WaitsUntilIn"]) == lasso(res["NoStarvation"])
    # the lock is taken and released for ever: `eventually always not lock` fails
    assert lasso(res["LockSettles"]) == (
        ["Request(0)", "Request(1)", "Enter(0)", "Exit(0)", "Enter(1)", "Exit(1)"], 0, None, False)


def test_strong_fairness(tmp_path: Path) -> None:
    res = check(tmp_path, MUTEX.replace("ENTER", "strong fair"))
    for name in ("EachEnters", "NoStarvation", "WaitsUntilIn", "SomeoneInside"):
        assert res[name].verdict == R.HOLDS, name
    assert res["LockSettles"].verdict == R.VIOLATED
    # fairness bounds nothing: process 1 may go first, so 3 steps are not enough
    assert lasso(res["EntersSoon"]) == (["Request(0)", "Request(1)", "Enter(1)", "Exit(1)"], None, 1, False)
    assert "the bound of 3 steps has passed (state 4)" in (res["EntersSoon"].note or "")


def test_without_fairness_a_behaviour_stops(tmp_path: Path) -> None:
    res = check(tmp_path, MUTEX.replace("ENTER", ""))
    # nothing forces Enter: both processes wait for ever in the state after two requests
    assert lasso(res["SomeoneInside"]) == (["Request(0)", "Request(1)"], 2, None, True)
    assert lasso(res["EachEnters"]) == (["Request(0)", "Request(1)", "Enter(1)", "Exit(1)"], 1, 1, False)


def test_fairness_per_instance_or_for_the_whole_action(tmp_path: Path) -> None:
    each = check(tmp_path, INSTANCES.replace("FAIR", "fair"))
    assert each["GetsDone"].verdict == R.HOLDS and each["Done"].verdict == R.HOLDS
    whole = check(tmp_path, INSTANCES.replace("FAIR", "fair any"))
    # Step(1) for ever satisfies fairness of Step as a whole
    assert lasso(whole["GetsDone"]) == (["Step(1)", "Step(1)"], 0, 0, False)
    assert lasso(whole["Done"]) == (["Step(1)", "Step(1)"], 0, None, False)


def test_bounded_response_in_ticks_and_steps(tmp_path: Path) -> None:
    res = check(tmp_path, TICKS)
    assert res["Served"].verdict == R.HOLDS
    assert res["ServedIn2"].verdict == R.HOLDS
    # after the restart the silence starts at 0: two ticks pass before Elect may run
    assert lasso(res["ServedIn1"]) == (["Crash", "Restart", "Tick", "Tick"], None, 2, False)
    assert "the bound of 1 ticks of Tick has passed (state 4)" in (res["ServedIn1"].note or "")
    # in steps, fair Elect may be put off while time passes: no step bound holds
    assert lasso(res["ServedIn9Steps"]) == (
        ["Crash", "Restart"] + ["Tick"] * 9, None, 2, False)


@pytest.mark.parametrize("formula, expected", [
    # stuttering does not matter, and `until` is strong: a tautology of this spec
    ("always ((up until not up) or always up)", None),
    # Restart is not fair: down for ever while time passes (the silence saturates at 3)
    ("always (not up => eventually up)", (["Crash", "Tick", "Tick", "Tick", "Tick"], 4, None, False)),
    # crashes without a budget: no master again after the first one
    ("always eventually master", (["Crash", "Tick", "Restart", "Crash"], 1, None, False)),
])
def test_ltl_formulas(tmp_path: Path, formula: str,
                      expected: tuple[list[str], int, None, bool] | None) -> None:
    res = check(tmp_path, TICKS + f"liveness F: {formula}\n")["F"]
    if expected is None:
        assert res.verdict == R.HOLDS
    else:
        assert lasso(res) == expected
