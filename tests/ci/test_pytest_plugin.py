"""The pytest plugin: model files become tests, one per property, honouring [expect]."""

from __future__ import annotations

import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import verifier.engine  # noqa: F401

# Imported here so that pytester's in-process runs find them loaded (numpy cannot be
# imported twice in one process, and pytester forgets modules a run imports).
import verifier.engine.codegen  # noqa: F401
import verifier.pytest_plugin  # noqa: F401
import verifier.reports  # noqa: F401

# Installed (pip install -e .), the plugin loads through its pytest11 entry point;
# from a bare checkout it is named explicitly. Naming it twice is an error.
PLUGIN: tuple[str, ...] = () if any(
    ep.value == "verifier.pytest_plugin" for ep in entry_points(group="pytest11")
) else ("-p", "verifier.pytest_plugin")

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    shutil.copytree(DATA / "models", pytester.path / "models")
    shutil.copytree(DATA / "specs", pytester.path / "specs")
    (pytester.path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    monkeypatch.delenv("VERIFIER_NO_REPORTS", raising=False)
    return pytester


def test_models_are_collected_one_item_per_property(project: pytest.Pytester) -> None:
    res = project.runpytest_inprocess(*PLUGIN, "models", "--collect-only", "-q")
    out = res.stdout.str()
    assert "models/racy_expected.toml::MutualExclusion" in out
    assert "models/racy_expected.toml::Impossible" in out
    assert "models/racy_overflow.toml::LockHeld" in out
    assert "models/racy_overflow.toml::MutualExclusion" not in out  # [check] properties
    assert "pyproject.toml" not in out
    assert "12 tests collected" in out


def test_outcomes_follow_expect_and_failures_show_the_trace(project: pytest.Pytester) -> None:
    res = project.runpytest_inprocess(*PLUGIN, "models", "-p", "no:cacheprovider",
                                      "--verifier-engine", "reference")
    res.assert_outcomes(passed=9, failed=3)
    out = res.stdout.str()
    assert "FAILED models/racy_unexpected.toml::MutualExclusion" in out
    assert "FAILED models/racy_overflow.toml::RuntimeError" in out
    assert "racy_expected.toml::MutualExclusion" not in out.split("short test summary")[-1]
    assert "Step 4  Set(1)" in out
    reports = project.path / "reports" / "racy_unexpected"
    assert f"reports: {reports}/" in out
    assert (reports / "report.html").exists()
    assert not (project.path / "reports" / "racy_expected").exists()  # nothing failed there


def test_inconclusive_fails_unless_allowed(project: pytest.Pytester) -> None:
    (project.path / "models" / "limited.toml").write_text(
        'spec = "../specs/racy_lock.fsl"\n[check]\nproperties = ["MutualExclusion"]\n'
        "[limits]\ndepth = 1\n", encoding="utf-8")
    args = [*PLUGIN, "models/limited.toml", "-p", "no:cacheprovider"]
    project.runpytest_inprocess(*args).assert_outcomes(failed=2)
    res = project.runpytest_inprocess(*args, "--verifier-allow-inconclusive", "-rs")
    res.assert_outcomes(skipped=2)
    assert "inconclusive" in res.stdout.str()


def test_a_broken_model_file_is_a_collection_error(project: pytest.Pytester) -> None:
    (project.path / "models" / "broken.toml").write_text('spec = "../specs/nope.fsl"\n', encoding="utf-8")
    res = project.runpytest_inprocess(*PLUGIN, "models/broken.toml")
    res.assert_outcomes(errors=1)
    assert "nope.fsl" in res.stdout.str()


def test_unknown_names_in_expect_are_a_collection_error(project: pytest.Pytester) -> None:
    """As in `verifier check`: C014 with a did-you-mean, not a silent pass (issue 11)."""
    (project.path / "models" / "typo.toml").write_text(
        'spec = "../specs/racy_lock.fsl"\n[expect]\nMutualExclusoin = "violated"\n', encoding="utf-8")
    res = project.runpytest_inprocess(*PLUGIN, "models/typo.toml")
    res.assert_outcomes(errors=1)
    out = res.stdout.str()
    assert "error[C014]: [expect] names `MutualExclusoin`" in out
    assert "did you mean `MutualExclusion`?" in out
