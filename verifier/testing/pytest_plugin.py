"""A pytest plugin: every model configuration is a test file, every property a test.

Registered through the ``pytest11`` entry point under the name ``verifier.pytest_plugin``
(``verifier/pytest_plugin.py``, which re-exports the hooks here), so with verifier installed ``pytest models/`` collects each model file (a ``.toml`` with a
top-level ``spec`` key) and makes one item per checked property (its invariants and
reachables, ``Deadlock`` when the model asks for it, and ``RuntimeError``). Each model is
checked once, when its first item runs. An item passes when ``verifier check`` would
accept the property: the model's ``[expect]`` decides when it names the property. A
failing item shows the counterexample as text and the folder of the model's reports;
an inconclusive one (a search limit) fails unless ``--verifier-allow-inconclusive``
turns it into a skip.

Options: ``--verifier-report-dir DIR`` (default ``reports/`` under the root folder;
reports are written for models with a failing property), ``--verifier-engine`` (auto,
compiled, reference) and ``--verifier-allow-inconclusive``. Without the entry point
(e.g. from a source checkout) load it with ``pytest -p verifier.pytest_plugin``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verifier import results as R
from verifier.engine.options import ENGINE_CHOICES
from verifier.testing.outcome import FAIL, INCONCLUSIVE, describe, outcome, property_text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("verifier", "model checking of model files (*.toml)")
    group.addoption("--verifier-report-dir", metavar="DIR", default=None,
                    help="write the reports of models with a failing property under DIR/<model>/ "
                         "(default: reports/ under the root folder)")
    group.addoption("--verifier-engine", choices=ENGINE_CHOICES, default="auto",
                    help="successor computation for the explicit engine (default: auto)")
    group.addoption("--verifier-allow-inconclusive", action="store_true",
                    help="skip, rather than fail, properties a search limit left inconclusive")


def _is_model_file(path: Path) -> bool:
    """A TOML file with a top-level ``spec`` string: a model file (not pyproject.toml)."""
    if path.suffix != ".toml":
        return False
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # a broken file in a models folder is still reported, as a collection error
        return path.parent.name == "models"
    return isinstance(data.get("spec"), str)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_model_file(file_path):
        return ModelFile.from_parent(parent, path=file_path)
    return None


class PropertyFailed(Exception):
    """Raised by an item whose property fails; rendered by ``repr_failure``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class ModelFile(pytest.File):
    """One model file: loads the model at collection, checks it on first use."""

    _result: R.CheckResult | None = None
    _error: str | None = None
    _reports: Path | None = None

    def collect(self) -> Iterator[pytest.Item]:
        from verifier.config import load_model as load_config
        from verifier.config.load import load_model
        from verifier.engine import select_properties
        from verifier.lang.diagnostics import SpecError

        try:
            self.cfg = load_config(self.path)
            self.model = load_model(self.cfg)
            props = select_properties(self.model, self.cfg.properties)
        except SpecError as e:
            raise self.CollectError(e.render()) from None
        except KeyError as e:
            raise self.CollectError(f"{self.path}: [check] properties names {e}, which the spec "
                                    "does not have") from None
        for p in props:
            yield PropertyItem.from_parent(self, name=p.name, line=p.span.line)
        if self.cfg.deadlock:
            yield PropertyItem.from_parent(self, name="Deadlock", line=0)
        yield PropertyItem.from_parent(self, name="RuntimeError", line=0)

    def result(self) -> R.CheckResult:
        """The model's check result, computed once (a failure to check raises)."""
        if self._error is not None:
            raise PropertyFailed(self._error)
        if self._result is None:
            self._result = self._check()
        return self._result

    def _check(self) -> R.CheckResult:
        from verifier.engine import EngineError, run_check
        from verifier.engine.options import check_options

        opts = check_options(self.cfg, engine=self.config.getoption("verifier_engine"))
        try:
            result = run_check(self.model, opts, expect=dict(self.cfg.expect))
        except EngineError as e:
            self._error = f"{self.cfg.spec}: error[E119]: {e.message}\n  hint: {e.hint}"
            raise PropertyFailed(self._error) from None
        if any(outcome(result, p) == FAIL for p in result.properties) and not os.environ.get(
                "VERIFIER_NO_REPORTS"):
            self._reports = self._report_dir() / self.cfg.name
            from verifier.reports import without_timings, write_reports

            write_reports(without_timings(result), self._reports)
        return result

    def _report_dir(self) -> Path:
        given = self.config.getoption("verifier_report_dir")
        return Path(given) if given else self.config.rootpath / "reports"

    @property
    def reports(self) -> Path | None:
        return self._reports


class PropertyItem(pytest.Item):
    """One property of one model."""

    def __init__(self, *, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line

    @property
    def model_file(self) -> ModelFile:
        assert isinstance(self.parent, ModelFile)
        return self.parent

    def runtest(self) -> None:
        mf = self.model_file
        result = mf.result()
        prop = next((p for p in result.properties if p.name == self.name), None)
        if prop is None:  # e.g. no run-time error was found: nothing to report
            if self.name == "RuntimeError" and result.complete is False:
                self._inconclusive(result, f"no run-time error found before the search stopped "
                                           f"({result.stop_reason})")
            return
        verdict = outcome(result, prop)
        if verdict == INCONCLUSIVE:
            self._inconclusive(result, describe(result, prop))
        elif verdict == FAIL:
            text = describe(result, prop) + "\n\n" + property_text(result, prop)
            if mf.reports is not None:
                text += f"\nreports: {mf.reports}/ (report.html, report.md, result.json, ITF traces)"
            raise PropertyFailed(text)

    def _inconclusive(self, result: R.CheckResult, why: str) -> None:
        if self.config.getoption("verifier_allow_inconclusive"):
            pytest.skip(why)
        raise PropertyFailed(why + "\n(pass --verifier-allow-inconclusive to skip such properties, "
                                   "or raise the model's [limits])")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, PropertyFailed):
            return excinfo.value.text
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        mf = self.model_file
        spec = Path(mf.cfg.spec)
        if self.line > 0:
            return spec, self.line - 1, f"{mf.cfg.name}::{self.name}"
        return mf.path, None, f"{mf.cfg.name}::{self.name}"
