"""A pytest plugin: every model configuration is a test file, every property a test.

Registered through the ``pytest11`` entry point under the name ``verifier.pytest_plugin``
(``verifier/pytest_plugin.py``, which re-exports the hooks here), so with verifier installed ``pytest models/`` collects each model file (a ``.toml`` with a
top-level ``spec`` key) and makes one item per checked property (its invariants,
reachables and liveness properties, ``Deadlock`` when the model asks for it, and
``RuntimeError``): the properties ``verifier check`` reports, with its verdicts
(``tests/ci/test_plugin_parity.py`` compares the two on every shipped model). Each model is
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
        from verifier.config.names import property_warnings
        from verifier.engine import select_liveness, select_properties
        from verifier.engine.options import check_options
        from verifier.lang.diagnostics import SpecError
        from verifier.lang.parser import parse_file

        try:
            self.cfg = load_config(self.path)
            # unknown names in [check] properties and [expect] are errors here too (C014)
            self.model = load_model(self.cfg)
            for w in property_warnings(parse_file(self.cfg.spec), self.cfg):
                if w.severity == "error":
                    raise self.CollectError(w.render())
                self.warn(pytest.PytestWarning(w.render()))
        except SpecError as e:
            raise self.CollectError(e.render()) from None
        self.opts = check_options(self.cfg, engine=self.config.getoption("verifier_engine"))
        # the properties `verifier check` reports, in its order: invariants and
        # reachables, Deadlock (when asked for), RuntimeError, then liveness
        for p in select_properties(self.model, self.opts.properties):
            yield PropertyItem.from_parent(self, name=p.name, line=p.span.line)
        if self.opts.deadlock:
            yield PropertyItem.from_parent(self, name="Deadlock", line=0)
        yield PropertyItem.from_parent(self, name="RuntimeError", line=0)
        for lv in select_liveness(self.model, self.opts.properties):
            yield PropertyItem.from_parent(self, name=lv.name, line=lv.span.line)

    def result(self) -> R.CheckResult:
        """The model's check result, computed once (a failure to check raises)."""
        if self._error is not None:
            raise PropertyFailed(self._error)
        if self._result is None:
            self._result = self._check()
        return self._result

    def _check(self) -> R.CheckResult:
        from verifier.engine import EngineError, run_check

        try:
            result = run_check(self.model, self.opts, expect=dict(self.cfg.expect))
        except EngineError as e:
            self._error = e.diagnostic().render(self.model.source)
            raise PropertyFailed(self._error) from None
        if any(outcome(result, p) == FAIL for p in result.properties) and not os.environ.get(
                "VERIFIER_NO_REPORTS"):
            self._reports = self._report_dir() / self.cfg.name
            from verifier.reports import clear_reports, replaced_configuration, without_timings, write_reports

            result_written = without_timings(result)
            before = replaced_configuration(self._reports, result_written)
            if before is not None:
                self.warn(pytest.PytestWarning(f"{self._reports}/ held the report of another "
                                               f"configuration ({before}); it is replaced"))
            clear_reports(self._reports)
            write_reports(result_written, self._reports)
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
