"""Where report files go (issue 11, item 2): only when asked, into a folder named after
the constants the command line changed, said in the output, and never replacing a
report of another configuration without a warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """specs/ and two small models, as a user's checkout has them; the cwd is there."""
    (tmp_path / "models").mkdir()
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    for name in ("triad_reconnect", "triad_reconnect_fixed"):
        shutil.copy(ROOT / "models" / f"{name}.toml", tmp_path / "models")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VERIFIER_NO_REPORTS", raising=False)
    return tmp_path


def test_no_report_files_unless_asked(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "models/"]) == 0
    out = capsys.readouterr().out
    assert not (clone / "reports").exists()
    assert "reports:" not in out


def test_report_dir_says_where_the_files_went(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "models/triad_reconnect.toml", "--report-dir", "out"]) == 0
    out = capsys.readouterr().out
    folder = clone / "out" / "triad_reconnect"
    assert "reports: out/triad_reconnect/ (report.html, report.md, report.txt, result.json, " \
           "1 ITF trace)" in out
    assert sorted(p.name for p in folder.iterdir()) == [
        "report.html", "report.md", "report.txt", "result.json", "trace-OneCheckoutPerHandle.itf.json"]


def test_const_overrides_name_the_folder(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "models/triad_reconnect.toml", "--report-dir", "out"]) == 0
    committed = (clone / "out" / "triad_reconnect" / "result.json").read_bytes()
    # TIMEOUT = 3 is another configuration: its own folder, the model's untouched
    assert main(["check", "models/triad_reconnect.toml", "--report-dir", "out",
                 "--const", "TIMEOUT=3", "-q"]) == 0
    assert (clone / "out" / "triad_reconnect" / "result.json").read_bytes() == committed
    doc = json.loads((clone / "out" / "triad_reconnect-TIMEOUT3" / "result.json").read_text())
    assert ["TIMEOUT", 3] in doc["constants"]
    # the model's own value on the command line is the model's configuration
    capsys.readouterr()
    assert main(["check", "models/triad_reconnect.toml", "--report-dir", "out",
                 "--const", "TIMEOUT=2", "-q"]) == 0
    assert "another configuration" not in capsys.readouterr().err
    assert sorted(p.name for p in (clone / "out").iterdir()) == [
        "triad_reconnect", "triad_reconnect-TIMEOUT3"]


def test_replacing_another_configuration_is_a_warning(clone: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    model = clone / "models" / "triad_reconnect.toml"
    assert main(["check", str(model), "--report-dir", "out", "-q"]) == 0
    model.write_text(model.read_text().replace("TIMEOUT = 2", "TIMEOUT = 3"))
    capsys.readouterr()
    assert main(["check", str(model), "--report-dir", "out", "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning: out/triad_reconnect/ held the report of another configuration " \
           "(constants TIMEOUT = 2 (now 3)); it is replaced" in err
    # the same configuration again: no warning
    assert main(["check", str(model), "--report-dir", "out", "-q"]) == 0
    assert "another configuration" not in capsys.readouterr().err


def test_stale_traces_of_an_earlier_run_are_removed(clone: Path) -> None:
    folder = clone / "out" / "triad_reconnect"
    folder.mkdir(parents=True)
    (folder / "trace-Gone.itf.json").write_text("{}")
    (folder / "notes.txt").write_text("mine")
    assert main(["check", "models/triad_reconnect.toml", "--report-dir", "out", "-q"]) == 0
    assert not (folder / "trace-Gone.itf.json").exists()
    assert (folder / "notes.txt").read_text() == "mine"  # not a report file: left alone


def test_a_fresh_clone_stays_clean(tmp_path: Path) -> None:
    """The Done-when of issue 11: `verifier check models/` in a clone leaves `git status`
    clean (here: a clone of the working tree's committed files, specs and models)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    for sub in ("specs", "models", "reports"):
        shutil.copytree(ROOT / sub, repo / sub)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "clone"], cwd=repo, check=True)
    env = {k: v for k, v in os.environ.items() if k != "VERIFIER_NO_REPORTS"}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-m", "verifier", "check", "models/triad_reconnect.toml",
                        "models/triad_reconnect_fixed.toml", "-q"],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                            text=True, check=True)
    assert status.stdout == ""
