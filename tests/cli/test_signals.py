"""Stopping a run from outside (issue 11, items 10-12): Ctrl-C stops `verifier prove`
inside a solver call and keeps what it proved; running out of memory is inconclusive
with the statistics so far; SIGTERM is treated as Ctrl-C. No timed assertions: a
subprocess timeout only guards against a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import z3

import verifier.engine
from verifier.cli import main
from verifier.cli.prove import solver_interrupts
from verifier.symbolic.solver import Solver

ROOT = Path(__file__).resolve().parents[2]


def _interrupt_soon(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def _pigeons(solver: Solver, holes: int) -> None:
    """holes + 1 pigeons in ``holes`` holes: unsatisfiable, and very slow to prove so."""
    x = [[z3.Bool(f"p{i}h{j}") for j in range(holes)] for i in range(holes + 1)]
    for row in x:
        solver.add(z3.Or(row))
    for j in range(holes):
        for i in range(holes + 1):
            for k in range(i + 1, holes + 1):
                solver.add(z3.Or(z3.Not(x[i][j]), z3.Not(x[k][j])))


def test_ctrl_c_interrupts_a_running_solver_call() -> None:
    """Z3 used to take SIGINT itself and go on; now the call is cancelled (not timed
    out: the timeout is a minute) and KeyboardInterrupt follows."""
    solver = Solver(timeout=60.0, finite=True)
    _pigeons(solver, 12)
    with solver_interrupts():
        timer = _interrupt_soon(0.5)
        with pytest.raises(KeyboardInterrupt):
            try:
                solver.check()
            finally:
                timer.join()
                time.sleep(0.05)  # the handler runs here at the latest
    assert "timeout" not in solver.z.reason_unknown()
    assert any(w in solver.z.reason_unknown() for w in ("cancel", "interrupt"))


def test_prove_stops_at_ctrl_c_with_what_it_proved(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    real = Solver.check
    calls = [0]

    def check(self: Solver, *assumptions: Any, timeout: float | None = None) -> Any:
        calls[0] += 1
        if calls[0] == 40:  # deep in bounded model checking, which would take minutes
            _interrupt_soon(0.2)
        return real(self, *assumptions, timeout=timeout)

    monkeypatch.setattr(Solver, "check", check)
    monkeypatch.chdir(ROOT)
    code = main(["prove", "specs/hal.fsl", "--bmc", "30", "--property", "ShareConservation",
                 "--property", "TableWithinShare", "--json"])
    doc = json.loads(capsys.readouterr().out)
    [result] = doc["results"]
    assert code == doc["exit_code"] == 3
    assert (result["complete"], result["stop_reason"]) == (False, "interrupted")
    verdicts = {p["name"]: (p["verdict"], p["note"]) for p in result["properties"]}
    assert verdicts["ShareConservation"][0] == "holds"  # proved before the interrupt
    assert verdicts["TableWithinShare"][0] == "inconclusive"
    assert verdicts["TableWithinShare"][1].startswith("interrupted at depth ")


def test_out_of_memory_is_inconclusive_with_statistics() -> None:
    """Under `ulimit -v`, bench/counters.fsl with N=9, K=9 printed `internal error:
    MemoryError` (exit 4). The child caps its address space a little above what it has."""
    code = (
        "import resource, sys\n"
        "import verifier.cli, verifier.engine, verifier.engine.codegen, verifier.config.load\n"
        "vm = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (vm + 80 * 2**20, resource.RLIM_INFINITY))\n"
        "sys.exit(verifier.cli.main(['check', 'bench/counters.fsl', '--const', 'N=9', "
        "'--const', 'K=9']))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 3, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert "incomplete: out of memory" in r.stdout
    states = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("States"))
    assert int(states.split()[1].replace(",", "")) > 0


def test_memory_error_elsewhere_is_inconclusive(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def run_check(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(verifier.engine, "run_check", run_check)
    assert main(["check", str(ROOT / "specs/mutex.fsl")]) == 3
    err = capsys.readouterr().err
    assert "out of memory" in err and "internal error" not in err


SLOW = """\
# a violation at depth 2, then 10^8 states: the search runs until it is stopped
const N: 1..12 = 8
type P = 0..N-1
var c: P -> 0..9 = {p: 0 for p in P}
action Inc(p: P) {
  require c[p] < 9
  c[p] = c[p] + 1
}
invariant Small: c[0] < 2
"""


def test_sigterm_is_treated_as_ctrl_c(tmp_path: Path) -> None:
    """`timeout` and CI job killers send SIGTERM: the check used to end with exit 143 and
    print nothing. Now: the summary, marked interrupted, the statistics so far, and the
    reports of the violation already found."""
    spec = tmp_path / "slow.fsl"
    spec.write_text(SLOW)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VERIFIER_NO_REPORTS", None)
    proc = subprocess.Popen([sys.executable, "-m", "verifier", "check", str(spec), "--progress",
                             "--report-dir", str(tmp_path / "out")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # the search is under way once a progress line comes
        if line.startswith("progress:"):
            break
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 1, err  # a violation was found before the signal
    assert "Search           incomplete: interrupted" in out
    assert any(ln.split()[:3] == ["Small", "invariant", "violated"] for ln in out.splitlines())
    states = next(ln for ln in out.splitlines() if ln.strip().startswith("States"))
    assert int(states.split()[1].replace(",", "")) > 0
    assert "Summary" in out and "verifier: warning: interrupted" in err
    assert (tmp_path / "out" / "slow" / "trace-Small.itf.json").exists()


def test_an_interrupt_stops_a_folder_run_after_the_current_model(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = verifier.engine.run_check
    seen: list[str] = []

    def run_check(model: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(model.name)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(model, *args, **kwargs)

    monkeypatch.setattr(verifier.engine, "run_check", run_check)
    monkeypatch.chdir(ROOT)
    assert main(["check", "models/", "-q"]) == 3
    out, err = capsys.readouterr()
    assert len(seen) == 2
    assert "interrupted: 25 more models not checked" in err
    rows = out[out.index("Summary"):].splitlines()[3:]
    assert [r.split()[-1] for r in rows] == ["expected)", "inconclusive"]
