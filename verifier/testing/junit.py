"""JUnit XML from check results: one test suite per model, one test case per property.

The dialect is the common one (Jenkins, GitLab, GitHub test reporters): ``failure`` for
a property that fails (its message the one-line reason, its body the counterexample as
text), ``skipped`` for an inconclusive one, ``error`` for a model that could not be
checked at all (spec or configuration errors).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from verifier import results as R
from verifier.testing.outcome import FAIL, INCONCLUSIVE, describe, outcome, property_text

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Text XML 1.0 can hold (control characters dropped)."""
    return _XML_BAD.sub("", text)


def junit_xml(results: Sequence[R.CheckResult], *,
              errors: Sequence[tuple[str, str]] = ()) -> str:
    """The JUnit XML document; ``errors`` lists (model name, message) of models that could
    not be checked, each reported as a suite with one erroring test case."""
    root = ET.Element("testsuites", name="verifier")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=_x(r.model))
        props = ET.SubElement(suite, "properties")
        facts = [("spec", r.spec_path), ("engine", r.engine)]
        if r.engine in ("explicit", "fuzz"):  # a proof enumerates no states
            facts.append(("states", str(r.stats.states)))
        facts.append(("search", "complete" if r.complete else f"incomplete: {r.stop_reason}"))
        for key, value in facts:
            ET.SubElement(props, "property", name=key, value=_x(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for p in r.properties:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=_x(f"verifier.{r.model}"),
                                 name=_x(p.name), time="0")
            if p.location is not None:
                case.set("file", _x(p.location.path))
                case.set("line", str(p.location.line))
            verdict = outcome(r, p)
            if verdict == FAIL:
                counts["failures"] += 1
                fail = ET.SubElement(case, "failure", message=_x(describe(r, p)), type=p.verdict)
                fail.text = _x(property_text(r, p))
            elif verdict == INCONCLUSIVE:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_x(describe(r, p)))
        suite.set("time", f"{r.stats.seconds:.3f}")
        total_time += r.stats.seconds
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for name, message in errors:
        suite = ET.SubElement(root, "testsuite", name=_x(name), tests="1", failures="0",
                              errors="1", skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", classname=_x(f"verifier.{name}"), name="load",
                             time="0")
        err = ET.SubElement(case, "error", message=_x(message.splitlines()[0] if message else ""),
                            type="SpecError")
        err.text = _x(message)
        totals["tests"] += 1
        totals["errors"] += 1
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: Sequence[R.CheckResult], path: Path | str, *,
                errors: Sequence[tuple[str, str]] = ()) -> None:
    """Write ``junit_xml(results, errors=errors)`` to ``path`` (UTF-8; folders created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(junit_xml(results, errors=errors), encoding="utf-8")
