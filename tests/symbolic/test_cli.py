"""``verifier prove``: modes, output, exit codes (0 proved, 1 violated, 2 usage/spec,
3 inconclusive), JSON, reports, and the size table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.symbolic.conftest import MODELS, SPECS
from verifier.cli.prove import prove_main

MUTEX = (SPECS / "mutex.fsl").read_text()
HELPER = "\ninvariant LockHeld: lock <=> (exists p in Proc: pc[p] == critical)\n"


@pytest.fixture
def mutex_helped(tmp_path: Path) -> str:
    path = tmp_path / "mutex_helped.fsl"
    path.write_text(MUTEX + HELPER)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = prove_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_induction_is_the_default_and_exit_3_when_not_inductive(capsys) -> None:
    code, out, _ = run(capsys, str(SPECS / "mutex.fsl"))
    assert code == 3
    assert "Engine     induction" in out and "Counterexample to induction: MutualExclusion" in out
    assert "States" not in out  # nothing enumerated: no state counts


def test_induction_proves_with_helper(capsys, mutex_helped: str) -> None:
    code, out, _ = run(capsys, mutex_helped, "--induction")
    assert code == 0 and "inductive with LockHeld" in out


def test_bmc_violation_exit_1_and_expectations_exit_0(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.fsl"
    bad.write_text(MUTEX.replace("require pc[p] == waiting and not lock", "require pc[p] == waiting"))
    code, out, _ = run(capsys, str(bad), "--bmc", "6")
    assert code == 1 and "Counterexample: MutualExclusion" in out and "4 steps" in out
    code, out, _ = run(capsys, str(MODELS / "triad_dual_master.toml"), "--bmc", "4")
    assert code == 0, out  # violations the model expects


def test_bounded_search_alone_is_inconclusive(capsys) -> None:
    code, out, _ = run(capsys, str(SPECS / "mutex.fsl"), "--bmc", "3", "--property", "MutualExclusion")
    assert code == 3 and "no violation within 3 steps" in out


def test_kinduction_and_chc(capsys) -> None:
    code, _, _ = run(capsys, str(SPECS / "mutex.fsl"), "--kinduction", "5")
    assert code == 0
    code, out, _ = run(capsys, str(SPECS / "epoch.fsl"), "--chc")
    assert code == 0
    assert "invariant EpochsIssuedInductive:" in out and "re-checked: inductive" in out
    code, out, _ = run(capsys, str(SPECS / "epoch.fsl"), "--chc", "--const", "FENCING=false")
    assert code == 1 and "Counterexample: FencedWrites" in out


def test_json_output(capsys) -> None:
    code, out, _ = run(capsys, str(SPECS / "epoch.fsl"), "--chc", "--json", "--property", "EpochsIssued")
    doc = json.loads(out)
    assert code == 0 and doc["exit_code"] == 0
    assert doc["results"][0]["engine"] == "chc"
    assert doc["invariants"][0]["property"] == "EpochsIssued" and doc["invariants"][0]["checked"] == "inductive"


def test_report_dir(capsys, tmp_path: Path, mutex_helped: str) -> None:
    code, _, _ = run(capsys, mutex_helped, "--report-dir", str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out" / "mutex_helped" / "result.json").exists()


def test_sizes_table(capsys, mutex_helped: str) -> None:
    code, out, _ = run(capsys, mutex_helped, "--sizes", "2..4", "--const-name", "N")
    assert code == 0
    lines = out.splitlines()
    assert lines[2].split()[:2] == ["N", "result"]
    assert [ln.split()[0] for ln in lines[4:7]] == ["2", "3", "4"]
    assert all("proved (2/2)" in ln for ln in lines[4:7])


@pytest.mark.parametrize("argv,needle", [
    (["nope.fsl"], "no such file"),
    ([str(SPECS / "mutex.fsl"), "--property", "MutualExclusio"], "did you mean `MutualExclusion`"),
    ([str(SPECS / "mutex.fsl"), "--sizes", "5..2"], "LO <= HI"),
    ([str(SPECS / "mutex.fsl"), "--sizes", "2..3", "--const-name", "M"], "no constant `M`"),
    ([str(SPECS / "mutex.fsl"), "--bmc", "0"], "positive"),
    ([str(SPECS / "mutex.fsl"), "--bmc", "3", "--chc"], "not allowed with"),
    ([str(SPECS / "mutex.fsl"), "--timeout", "-1"], "positive"),
])
def test_usage_errors_exit_2(capsys, argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in out + err


def test_unsupported_construct_exit_2_with_hint(capsys, tmp_path: Path) -> None:
    path = tmp_path / "u.fsl"
    path.write_text("var n: int = 0\naction A { n = n + 1 }\ninvariant I: forall i in 0..n: i >= 0\n")
    code, _, err = run(capsys, str(path), "--bmc", "2")
    assert code == 2 and "error[S001]" in err and "hint:" in err


def test_a_folder_of_models_is_proved_one_by_one_with_a_summary(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (tmp_path / "mutex.fsl").write_text(MUTEX + HELPER)
    (folder / "a_proved.toml").write_text('spec = "../mutex.fsl"\n[constants]\nN = 2\n')
    (folder / "b_broken.toml").write_text('spec = "../nowhere.fsl"\n')
    (folder / "c_refuted.toml").write_text(
        'spec = "../mutex.fsl"\n[check]\nproperties = ["MutualExclusion"]\n')
    code, out, err = run(capsys, str(folder))
    assert code == 2  # the most severe outcome: a configuration error
    summary = out[out.index("Summary"):].splitlines()
    assert summary[3].split()[:3] == ["a_proved", "induction", "2"]
    assert summary[4].split()[-1] == "ERROR" and "nowhere.fsl" in err
    assert summary[5].split()[:2] == ["c_refuted", "induction"]
    assert out.count("verifier report: ") == 2  # the two models that could be run

    (folder / "b_broken.toml").unlink()
    code, out, _ = run(capsys, str(folder), "--json")
    doc = json.loads(out)  # one document, no report text around it
    assert code == doc["exit_code"] == 0
    assert [r["model"] for r in doc["results"]] == ["a_proved", "c_refuted"]


def test_sizes_needs_one_model(capsys) -> None:
    code, _, err = run(capsys, str(MODELS), "--sizes", "3..4")
    assert code == 2 and "error[U006]" in err and "hint:" in err


def test_junit_and_sarif_for_ci(tmp_path: Path, capsys) -> None:
    import xml.etree.ElementTree as ET

    junit, sarif = tmp_path / "out" / "junit.xml", tmp_path / "out" / "prove.sarif"
    code, _, _ = run(capsys, str(SPECS / "mutex.fsl"), "--junit", str(junit), "--sarif", str(sarif))
    assert code == 3  # MutualExclusion is true but not inductive without its helper
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "mutex" and suite.get("skipped") == "1"
    names = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert names["engine"] == "induction" and "states" not in names
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["level"], r["properties"]["inconclusive"]) for r in results] == [
        ("mutex/MutualExclusion", "warning", True)]
