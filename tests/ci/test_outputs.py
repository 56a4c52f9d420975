"""``verifier check --junit FILE --sarif FILE``: JUnit XML and SARIF 2.1.0.

The SARIF is validated against the SARIF 2.1.0 JSON schema shipped in
``data/sarif-schema-2.1.0.json`` (from the npm package @microsoft/jest-sarif, MIT; the
schema SchemaStore publishes for 2.1.0).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from verifier.cli import main

DATA = Path(__file__).parent / "data"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[ET.Element, dict[str, Any], int]:
    out = tmp_path_factory.mktemp("ci")
    code = main(["check", str(DATA / "models"), "-q", "--no-reports", "--junit", str(out / "junit.xml"),
                 "--sarif", str(out / "results.sarif"), "--engine", "reference"])
    junit = ET.parse(out / "junit.xml").getroot()
    sarif = json.loads((out / "results.sarif").read_text(encoding="utf-8"))
    return junit, sarif, code


def test_junit_has_one_case_per_property_per_model(
        outputs: tuple[ET.Element, dict[str, Any], int]) -> None:
    junit, _, code = outputs
    assert code == 1
    suites = {s.get("name"): s for s in junit.iter("testsuite")}
    assert set(suites) == {"racy_expected", "racy_overflow", "racy_unexpected"}
    cases = {(s, c.get("name")): c for s, suite in suites.items() for c in suite.iter("testcase")}
    assert len(cases) == 4 + 2 + 4
    assert junit.get("tests") == "10" and junit.get("failures") == "3"
    # as expected: passes
    assert list(cases["racy_expected", "MutualExclusion"]) == []
    failure = cases["racy_unexpected", "MutualExclusion"].find("failure")
    assert failure is not None
    assert "4-step counterexample: Test(0) -> Test(1) -> Set(0) -> Set(1)" in failure.get("message", "")
    assert "Step 4  Set(1)" in (failure.text or "")
    err = cases["racy_overflow", "RuntimeError"].find("failure")
    assert err is not None and "outside its type 0..1" in err.get("message", "")
    assert cases["racy_unexpected", "LockHeld"].get("line") == "35"


def test_sarif_is_valid_and_points_at_the_spec(outputs: tuple[ET.Element, dict[str, Any], int]) -> None:
    _, sarif, _ = outputs
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    run = sarif["runs"][0]
    results = {(r["properties"]["model"], r["ruleId"]): r for r in run["results"]}
    assert set(results) == {("racy_overflow", "racy_lock/RuntimeError"),
                            ("racy_unexpected", "racy_lock/MutualExclusion"),
                            ("racy_unexpected", "racy_lock/LockHeld"),
                            ("racy_unexpected", "racy_lock/Impossible")}
    mx = results["racy_unexpected", "racy_lock/MutualExclusion"]
    assert mx["level"] == "error"
    loc = mx["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("tests/ci/data/specs/racy_lock.fsl")
    assert not loc["artifactLocation"]["uri"].startswith("/")
    assert loc["region"]["startLine"] == 32
    assert loc["region"]["snippet"]["text"].startswith("invariant MutualExclusion")
    steps = mx["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "Step 1: Test(0)", "Step 2: Test(1)", "Step 3: Set(0)", "Step 4: Set(1)"]
    assert steps[2]["location"]["physicalLocation"]["region"]["startLine"] == 19  # action Set
    # a vacuous reachable without an expectation is a warning; the run-time error points
    # at the failing assignment
    assert results["racy_unexpected", "racy_lock/Impossible"]["level"] == "warning"
    rt = results["racy_overflow", "racy_lock/RuntimeError"]["locations"][0]["physicalLocation"]
    assert rt["region"]["startLine"] == 23
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules))
    assert all(r["ruleIndex"] == rules.index(r["ruleId"]) for r in run["results"])


def test_sarif_of_a_clean_run_has_no_results(tmp_path: Path) -> None:
    spec = Path(__file__).resolve().parents[2] / "specs" / "mutex.fsl"
    assert main(["check", str(spec), "-q", "--no-reports", "--sarif", str(tmp_path / "s.sarif"),
                 "--junit", str(tmp_path / "j.xml")]) == 0
    sarif = json.loads((tmp_path / "s.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []
    junit = ET.parse(tmp_path / "j.xml").getroot()
    assert junit.get("failures") == "0" and junit.get("tests") == "2"


def test_models_that_cannot_be_checked_are_junit_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('spec = "missing.fsl"\n', encoding="utf-8")
    assert main(["check", str(bad), "-q", "--no-reports", "--junit", str(tmp_path / "j.xml")]) == 2
    junit = ET.parse(tmp_path / "j.xml").getroot()
    assert junit.get("errors") == "1"
    assert junit.find("testsuite/testcase/error") is not None
