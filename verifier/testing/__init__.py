"""CI outputs (after the reports stage): JUnit XML and SARIF from check results.

``write_junit`` and ``write_sarif`` turn a list of ``CheckResult`` into the files CI
systems read: JUnit XML for test dashboards (one test case per property per model) and
SARIF 2.1.0 for code-scanning views, which annotate the spec at each failing property.
Both, and the pytest plugin (``verifier/pytest_plugin.py``), judge a property the same
way (``verifier/ci/outcome.py``), following the exit codes of ``verifier check``.
"""

from collections.abc import Sequence
from pathlib import Path

from verifier.ci.junit import junit_xml, write_junit
from verifier.ci.outcome import FAIL, INCONCLUSIVE, PASS, describe, outcome, property_text
from verifier.ci.sarif import sarif_log, write_sarif
from verifier.results import CheckResult

__all__ = ["FAIL", "INCONCLUSIVE", "PASS", "describe", "junit_xml", "outcome", "property_text",
           "sarif_log", "write_ci_files", "write_junit", "write_sarif"]


def write_ci_files(runs: Sequence[tuple[str, CheckResult | None]], junit: Path | None,
                   sarif: Path | None, failed: str) -> None:
    """``--junit FILE`` / ``--sarif FILE`` of a run over models: ``runs`` holds each
    model's name and result (None: it could not be run; ``failed`` says so in JUnit)."""
    done = [r for _, r in runs if r is not None]
    if junit is not None:
        write_junit(done, junit, errors=[(n, failed) for n, r in runs if r is None])
    if sarif is not None:
        write_sarif(done, sarif)
