"""`liveness` properties through `verifier check`: verdicts, lassos replayed by the
reference semantics, parameters, `while`, fairness, limits, and the language around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import results as R
from verifier.cli import main
from verifier.config import spec_model
from verifier.config.load import load_model
from verifier.engine import run_check
from verifier.engine.options import CheckOptions

MUTEX = """
enum Pc { idle, waiting, critical }
type Proc = 0..1
var pc: Proc -> Pc = {p: idle for p in Proc}
var lock: bool = false

action Request(p: Proc) {
  require pc[p] == idle
  pc[p] = waiting
}

FAIR action Enter(p: Proc) {
  require pc[p] == waiting and not lock
  lock = true
  pc[p] = critical
}

fair action Exit(p: Proc) {
  require pc[p] == critical
  lock = false
  pc[p] = idle
}

liveness SomeoneEnters: (exists p in Proc: pc[p] == waiting) ~> (exists p in Proc: pc[p] == critical)
liveness EachEnters(p: Proc) "each waiting process gets in": pc[p] == waiting ~> pc[p] == critical
liveness OnlyWhileTheOtherIsIdle(p: Proc):
  pc[p] == waiting ~> pc[p] == critical while pc[1 - p] == idle
"""


def check(tmp_path: Path, text: str, **opts: object) -> dict[str, R.PropertyResult]:
    path = tmp_path / "spec.fsl"
    path.write_text(text, encoding="utf-8")
    result = run_check(load_model(spec_model(path)), CheckOptions(**opts))  # type: ignore[arg-type]
    return {p.name: p for p in result.properties}


def test_weak_fairness_decides_what_is_eventually_reached(tmp_path: Path) -> None:
    res = check(tmp_path, MUTEX.replace("FAIR action", "fair action"))
    assert res["SomeoneEnters"].verdict == R.HOLDS
    # action-level fairness: Enter as a whole is taken, by the other process, forever
    each = res["EachEnters"]
    assert each.verdict == R.VIOLATED and each.kind == R.LIVENESS
    assert each.note is not None and each.note.startswith("for p = 0: ")
    t = each.trace
    assert t is not None and t.loop is not None and t.trigger is not None and not t.stutter
    assert [s.label() for s in t.steps[t.loop:]] == ["Request(1)", "Enter(1)", "Exit(1)"]
    assert t.steps[-1].state == (t.initial if t.loop == 0 else t.steps[t.loop - 1].state)
    # with the other process idle for good, the waiting one gets in
    assert res["OnlyWhileTheOtherIsIdle"].verdict == R.HOLDS


def test_without_fairness_a_behaviour_may_stop_anywhere(tmp_path: Path) -> None:
    res = check(tmp_path, MUTEX.replace("FAIR action", "action"))
    some = res["SomeoneEnters"]
    assert some.verdict == R.VIOLATED and some.trace is not None and some.trace.stutter
    assert [s.label() for s in some.trace.steps] == ["Request(0)"]  # then nothing happens


def test_limits_make_liveness_inconclusive_never_holds(tmp_path: Path) -> None:
    text = MUTEX.replace("FAIR action", "fair action")
    small = check(tmp_path, text, max_states=3)
    assert {small[n].verdict for n in ("SomeoneEnters", "EachEnters")} == {R.INCONCLUSIVE}
    tiny_graph = check(tmp_path, text, graph_max_nodes=3)
    assert tiny_graph["SomeoneEnters"].verdict == R.INCONCLUSIVE
    assert "max_nodes" in (tiny_graph["SomeoneEnters"].note or "")


def test_selected_by_name_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.fsl"
    path.write_text(MUTEX.replace("FAIR action", "fair action"), encoding="utf-8")
    assert main(["check", "--no-reports", str(path), "--property", "SomeoneEnters"]) == 0
    assert main(["check", "--no-reports", str(path), "--property", "EachEnters"]) == 1
    out = capsys.readouterr().out
    assert "back to state" in out and "repeat forever" in out
    assert main(["check", "--no-reports", str(path), "--property", "EachEnter"]) == 2
    assert "did you mean `EachEnters`?" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "code"), [
    ("var x: bool = false\nliveness L: x ~> 3\n", "E103"),
    ("var x: bool = false\nliveness L(n: int): x ~> x\n", "E1"),
    ("var x: bool = false\nliveness x: x ~> x\n", "E102"),
])
def test_mistakes_are_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     text: str, code: str) -> None:
    path = tmp_path / "bad.fsl"
    path.write_text(text, encoding="utf-8")
    assert main(["check", "--no-reports", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"error[{code}" in err and "bad.fsl:2:" in err and "Traceback" not in err


def test_fault_and_fair_together_is_a_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.fsl"
    path.write_text("var x: bool = false\nfair fault action A { x = true }\n", encoding="utf-8")
    assert main(["check", "--no-reports", str(path)]) == 2
    assert "bad.fsl:2:" in capsys.readouterr().err
