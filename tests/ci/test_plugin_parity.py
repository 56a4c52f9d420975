"""The pytest plugin and ``verifier check`` agree on every shipped model (issue 11, item 1).

The plugin once collected only invariants and reachables, so a liveness property that
`verifier check` found violated against the model's `[expect]` passed under pytest.
Here every shipped model goes through both: ``verifier check models/ --json`` gives the
verdicts, judged as the exit code judges them (``verifier.testing.outcome``), and the
plugin's items must be exactly those properties (liveness, deadlock and expectations
included, plus ``RuntimeError``, which passes when none was found) with the same
outcome. Each model is searched once: both sides call ``run_check`` through a cache
keyed by the model and the options, so a difference in what either side asks for is
a cache miss and a fresh search, never a shared answer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import verifier.engine
from verifier.cli import main
from verifier.reports.jsonio import result_from_json
from verifier.testing.outcome import FAIL, INCONCLUSIVE, PASS, outcome

from .test_pytest_plugin import PLUGIN

ROOT = Path(__file__).resolve().parents[2]
PYTEST_OUTCOME = {PASS: "passed", FAIL: "failed", INCONCLUSIVE: "skipped"}


def _cached_run_check(monkeypatch: pytest.MonkeyPatch) -> dict[Any, Any]:
    cache: dict[Any, Any] = {}
    real = verifier.engine.run_check

    def run_check(model: Any, opts: Any, *, expect: dict[str, str] | None = None) -> Any:
        key = (Path(model.path).resolve(), model.name, repr(model.constants), opts, tuple(sorted((expect or {}).items())))
        if key not in cache:
            cache[key] = real(model, opts, expect=expect)
        return cache[key]

    monkeypatch.setattr(verifier.engine, "run_check", run_check)
    return cache


def test_plugin_verdicts_equal_verifier_check_on_every_shipped_model(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "models", pytester.path / "models")
    shutil.copytree(ROOT / "specs", pytester.path / "specs")
    monkeypatch.chdir(pytester.path)
    cache = _cached_run_check(monkeypatch)

    code = main(["check", "models", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == doc["exit_code"] == 0
    want: dict[tuple[str, str], str] = {}
    for raw in doc["results"]:
        result = result_from_json(json.dumps(raw))
        for p in result.properties:
            want[(result.model, p.name)] = PYTEST_OUTCOME[outcome(result, p)]
        # the plugin always has a RuntimeError item; it passes when none was found
        want.setdefault((result.model, "RuntimeError"), "passed" if result.complete else "skipped")
    assert len(doc["results"]) == len(list((ROOT / "models").glob("*.toml")))
    assert any(p["kind"] == "liveness" for r in doc["results"] for p in r["properties"])
    searched = len(cache)

    res = pytester.runpytest_inprocess(*PLUGIN, "models", "-p", "no:cacheprovider",
                                       "--verifier-allow-inconclusive")
    got: dict[tuple[str, str], str] = {}
    for rep in res.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if rep.when == "call" or (rep.when == "setup" and rep.outcome != "passed"):
            path, _, name = rep.nodeid.partition("::")
            got[(Path(path).stem, name)] = rep.outcome
    assert got == want
    assert len(cache) == searched  # the plugin asked for the same searches as `verifier check`


def test_a_violated_liveness_expectation_fails_under_pytest(pytester: pytest.Pytester) -> None:
    """The defect itself: `[expect]` says a liveness property holds, the check finds a lasso."""
    shutil.copytree(ROOT / "specs", pytester.path / "specs")
    models = pytester.path / "models"
    models.mkdir()
    text = (ROOT / "models" / "dsls_minority_fixed.toml").read_text(encoding="utf-8")
    assert 'FreeLicenseGrantable = "violated"' in text
    (models / "wrong.toml").write_text(
        text.replace('FreeLicenseGrantable = "violated"', 'FreeLicenseGrantable = "holds"'),
        encoding="utf-8")
    assert main(["check", str(models / "wrong.toml"), "--no-reports", "-q"]) == 1
    res = pytester.runpytest_inprocess(*PLUGIN, "models", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=8, failed=1)
    assert "FAILED models/wrong.toml::FreeLicenseGrantable" in res.stdout.str()
