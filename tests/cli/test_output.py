"""What the commands print (issue 11): -q is the summary table only (item 3), --json
carries every diagnostic (item 4), and the smaller items of 8 (flags, wording,
progress lines)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from verifier import results as R
from verifier.cli import check, main
from verifier.cli.prove import parser as prove_parser
from verifier.engine.explicit import Clock
from verifier.engine.options import CheckOptions
from verifier.testing.outcome import describe

ROOT = Path(__file__).resolve().parents[2]
DIAG = "tests/diagnostics"
TWO = ["models/triad_reconnect.toml", "models/triad_reconnect_fixed.toml"]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _check_parser() -> argparse.ArgumentParser:
    sub = argparse.ArgumentParser().add_subparsers()
    check.add_parser(sub)
    parser: argparse.ArgumentParser = sub.choices["check"]
    return parser


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["check", *argv, "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["exit_code"] == code
    return code, doc, err


# ---- item 3: -q ----------------------------------------------------------------------


def test_quiet_prints_the_summary_table_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *TWO, "-q"]) == 0
    out, err = capsys.readouterr()
    lines = out.strip("\n").splitlines()
    assert lines[0] == "Summary" and len(lines) == 5, out  # title, header, rule, two models
    assert lines[3].split()[:2] == ["triad_reconnect", "14"]
    assert err == ""
    assert main(["check", TWO[0], "-q"]) == 0  # one model: still its row, nothing else
    assert capsys.readouterr().out.strip("\n").splitlines()[0] == "Summary"


def test_help_says_what_each_level_prints() -> None:
    text = _check_parser().format_help()
    assert "with -q only the summary table" in " ".join(text.split())
    assert "print only the summary table" in " ".join(text.split())


# ---- item 4: --json diagnostics --------------------------------------------------------


def test_a_spec_error_is_in_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _json(capsys, f"{DIAG}/e013_bang.fsl")
    assert code == 2 and err == "" and doc["results"] == []
    [d] = doc["diagnostics"]
    assert {k: d[k] for k in ("severity", "code", "file", "line", "column", "end")} == {
        "severity": "error", "code": "E013", "file": f"{DIAG}/e013_bang.fsl", "line": 3,
        "column": 14, "end": {"line": 3, "column": 15}}
    assert d["hint"].startswith("write `not x`") and d["message"] == "'!' is not an operator here"
    assert d["text"] == (ROOT / DIAG / "e013_bang.expect").read_text().rstrip("\n")


def test_config_usage_and_engine_errors_are_in_the_json(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m.toml"
    model.write_text(f'spec = "{ROOT}/specs/mutex.fsl"\n[expect]\nMutualExclusoin = "holds"\n')
    code, doc, err = _json(capsys, str(model))
    [d] = doc["diagnostics"]
    assert (code, err, d["code"], d["file"], d["line"], d["column"], d["model"]) == (
        2, "", "C014", str(model), 3, 1, "m")
    assert d["hint"] == "did you mean `MutualExclusion`?"

    code, doc, err = _json(capsys, TWO[0], "--max-states", "zero")
    assert (code, err, [d["code"] for d in doc["diagnostics"]]) == (2, "", ["U001"])

    code, doc, _ = _json(capsys, TWO[0], "--const", "TIMEOUT")  # not NAME=VALUE
    assert [d["code"] for d in doc["diagnostics"]] == ["U002"]

    code, doc, _ = _json(capsys, f"{DIAG}/e119_unbounded_search.fsl")
    assert code == 2 and [d["code"] for d in doc["diagnostics"]] == ["E119"]
    assert doc["diagnostics"][0]["line"] is not None


def test_warnings_are_in_the_json_next_to_results(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bare.fsl"
    spec.write_text("var x: 0..1 = 0\naction A { x = 1 - x }\n")
    code, doc, err = _json(capsys, str(spec))
    assert code == 0 and err == "" and len(doc["results"]) == 1
    assert [(d["severity"], d["code"]) for d in doc["diagnostics"]] == [("warning", "C015")]


def test_graph_is_written_with_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _json(capsys, "specs/mutex.fsl", "--graph", str(tmp_path / "g"))
    assert code == 0
    assert (tmp_path / "g" / "mutex" / "states.dot").exists()


# ---- item 8: the smaller ones ----------------------------------------------------------


def test_every_flag_of_check_and_prove_says_what_it_does() -> None:
    for p in (_check_parser(), prove_parser()):
        silent = [a.option_strings for a in p._actions if a.option_strings and not a.help]
        assert silent in ([], [["--color"]]), silent  # --color's choices say it all
    limit = next(a for a in _check_parser()._actions if "--max-states" in a.option_strings)
    assert "first N found breadth-first" in (limit.help or "")


def test_prove_takes_no_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["prove", "specs/mutex.fsl", "--report-dir", str(tmp_path / "r"), "--no-reports"])
    assert code == 3  # MutualExclusion holds but is not inductive on its own
    assert not (tmp_path / "r").exists()
    assert "error" not in capsys.readouterr().err


def test_fuzz_no_shrink_is_in_the_reproduce_line(capsys: pytest.CaptureFixture[str]) -> None:
    main(["fuzz", "tests/ci/data/models/racy_unexpected.toml", "--seed", "5", "--examples", "30",
          "--no-shrink"])
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("reproduce with:"))
    assert line.endswith("--no-shrink")


def test_wording_of_expectations_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    p = R.PropertyResult("Safe", R.INVARIANT, R.VIOLATED, expected=R.HOLDS)
    q = dataclasses.replace(p, verdict=R.HOLDS, expected=R.VIOLATED)
    r = R.CheckResult("m", "m.fsl", "explicit", True, None, (p, q))
    assert "but the model expects it to hold" in describe(r, p)
    assert "but the model expects a violation" in describe(r, q)
    assert main(["check", TWO[1], "-q"]) == 0
    assert "3 holding" in capsys.readouterr().out  # not "3 holds"


def test_progress_has_an_eta_to_the_state_limit(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock(CheckOptions(progress=True, max_states=3000))
    clock.t0 -= 1.0                # a second in: 1,000 states/s
    clock.last_progress -= 10.0    # the last line long ago
    clock.progress(1000, 50, 4)
    assert "1,000 states" in capsys.readouterr().err
    clock.last_progress -= 10.0
    clock.progress(1000, 50, 4)
    assert "state limit in about 2 s" in capsys.readouterr().err


def test_progress_lines_during_the_liveness_phase(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "models/triad_nontransitive_fixed.toml", "--progress"]) == 0
    err = capsys.readouterr().err
    # the kernel engine keeps the graph during the search; the Python engine builds it
    assert "liveness: the state graph (2,575 states) kept by the search, for QuorumServes" in err
    assert main(["check", "models/triad_nontransitive_fixed.toml", "--progress", "--engine", "python"]) == 0
    err = capsys.readouterr().err
    assert "liveness: building the state graph (2,575 states) for QuorumServes" in err
    assert "liveness: looking for a fair behaviour that violates QuorumServes" in err
