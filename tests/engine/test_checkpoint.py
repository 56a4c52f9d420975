"""Checkpoint and resume (issue 14, item 3).

A search stopped again and again (a time limit of a microsecond stops it after one
driver call or one chunk; a SIGINT sent from inside the search, deterministically at a
progress call) and resumed each time ends with the counts, coverage, verdicts and
counterexamples of an uninterrupted run: in memory (with the liveness graph), spilled
to disk, and with hash compaction. A checkpoint of another model or other options is
refused with a message that says what differs (exit 2 on the command line).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from kernel_harness import comparable

from verifier import results as R
from verifier.cli import main
from verifier.config import load_model as load_config
from verifier.config import with_overrides
from verifier.config.load import load_model
from verifier.engine import EngineError, run_check
from verifier.engine.explicit import Clock
from verifier.engine.options import CheckOptions

ROOT = Path(__file__).resolve().parents[2]


def _model(name: str, **constants: Any) -> Any:
    cfg = load_config(ROOT / "models" / f"{name}.toml")
    if constants:
        cfg = with_overrides(cfg, constants=constants)
    return load_model(cfg)


def _same(r: R.CheckResult) -> R.CheckResult:
    return dataclasses.replace(comparable(r), stop_reason=r.stop_reason)


def _resume_until_done(m: Any, opts: CheckOptions, folder: Path) -> tuple[R.CheckResult, int]:
    o = dataclasses.replace(opts, checkpoint_dir=str(folder), checkpoint_every=0.0, max_seconds=1e-6)
    r = run_check(m, o)
    rounds = 0
    while (r.stop_reason or "").startswith("time limit"):
        assert rounds < 60, "the resumed search does not advance"
        r = run_check(m, dataclasses.replace(o, resume=True))
        rounds += 1
        assert r.backend_note and "resumed from a checkpoint" in r.backend_note
    return r, rounds


@pytest.mark.parametrize("store", [{}, {"workers": 2}, {"store_mb": 0.02}, {"hash_compaction": True},
                                   {"symmetry": False}],
                         ids=["memory", "memory-2-workers", "disk", "fingerprints", "unreduced"])
def test_resumed_after_time_limits_gives_the_uninterrupted_result(store: dict[str, Any], tmp_path: Path) -> None:
    m = _model("hal_n3")
    opts = CheckOptions(kernel="on", deadlock=True, **store)
    whole = run_check(m, opts)
    resumed, rounds = _resume_until_done(m, opts, tmp_path / "ck")
    assert rounds >= 5  # it really was stopped level after level
    # hal_n3's members are symmetric: 2,610 classes of its 5,196 states
    assert resumed.stats.states == whole.stats.states == (5_196 if store.get("symmetry") is False else 2_610)
    assert _same(resumed) == _same(whole)
    if "store_mb" not in store and "hash_compaction" not in store:  # the liveness graph is checkpointed too
        live = [p for p in resumed.properties if p.kind == R.LIVENESS]
        assert live and all(p.verdict == R.HOLDS for p in live)


def test_resumed_after_an_interrupt_with_a_counterexample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = _model("triad_fixed")
    opts = CheckOptions(kernel="on", deadlock=True)
    whole = run_check(m, opts)
    calls = {"n": 0}
    original = Clock.progress

    def progress(self: Clock, *args: Any) -> None:  # Ctrl-C at the 3rd progress call
        calls["n"] += 1
        if calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGINT)
        original(self, *args)

    monkeypatch.setattr(Clock, "progress", progress)
    folder = tmp_path / "ck"
    stopped = run_check(m, dataclasses.replace(opts, checkpoint_dir=str(folder)))
    assert stopped.stop_reason == "interrupted" and 0 < stopped.stats.states < whole.stats.states
    monkeypatch.setattr(Clock, "progress", original)
    resumed = run_check(m, dataclasses.replace(opts, checkpoint_dir=str(folder), resume=True))
    assert resumed.stats.states == whole.stats.states == 36_460
    assert _same(resumed) == _same(whole)
    assert any(p.verdict == R.VIOLATED and p.trace for p in resumed.properties)


def test_a_finished_checkpoint_resumes_to_the_same_result(tmp_path: Path) -> None:
    m = _model("triad_dual_master")
    opts = CheckOptions(kernel="on", max_states=300, checkpoint_dir=str(tmp_path / "ck"))
    first = run_check(m, opts)
    again = run_check(m, dataclasses.replace(opts, resume=True))
    assert first.stop_reason == again.stop_reason == "state limit (300)"
    assert _same(first) == _same(again)


def test_a_checkpoint_of_other_constants_or_options_is_refused(tmp_path: Path) -> None:
    folder = str(tmp_path / "ck")
    run_check(_model("hal_n3"), CheckOptions(kernel="on", checkpoint_dir=folder, max_seconds=1e-6))
    cases = [(_model("hal_n3", CLIENTS=2), {}, "constant CLIENTS = '3'; this run has '2'"),
             (_model("hal_n3"), {"max_states": 10}, "option max_states = None; this run has 10"),
             (_model("hal_n3"), {"hash_compaction": True}, "option hash_compaction = False"),
             (_model("triad_fixed"), {}, "of model hal_n3, not triad_fixed")]
    for m, extra, text in cases:
        with pytest.raises(EngineError) as e:
            run_check(m, CheckOptions(kernel="on", checkpoint_dir=folder, resume=True, **extra))
        assert e.value.code == "E130" and text in e.value.message, e.value.message
    with pytest.raises(EngineError) as e:
        run_check(_model("hal_n3"), CheckOptions(kernel="on", checkpoint_dir=str(tmp_path / "none"), resume=True))
    assert "no checkpoint in" in e.value.message


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``verifier check ARGS`` in this process (a fresh one would load numba again)."""
    code = main(["check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def test_command_line_checkpoint_resume_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(ROOT / "models" / "hal_n4.toml")
    ck = tmp_path / "ck"
    code, _, _ = _cli(capsys, model, "--json", "--checkpoint", str(ck), "--time-limit", "0.000001")
    assert code == 3 and (ck / "hal_n4" / "checkpoint.json").exists()
    code, done, _ = _cli(capsys, model, "--json", "--resume", str(ck))
    code2, whole, _ = _cli(capsys, model, "--json")
    assert code == code2 == 0
    a, b = json.loads(done)["results"][0], json.loads(whole)["results"][0]
    assert a["stats"]["states"] == b["stats"]["states"] == 4_962  # hal_n4 reduced by symmetry (11,467 states)
    assert a["properties"] == b["properties"] and a["coverage"] == b["coverage"]
    assert "resumed from a checkpoint" in a["backend_note"]
    code, _, err = _cli(capsys, model, "--resume", str(ck), "--const", "CLIENTS=2")
    assert code == 2 and "error[E130]" in err and "hint:" in err
    code, _, err = _cli(capsys, model, "--resume", str(ck), "--checkpoint", str(ck))
    assert code == 2 and "error[U004]" in err
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = _cli(capsys, model, "--checkpoint", str(blocker))
    assert code == 2 and "cannot write the checkpoint folder" in err
