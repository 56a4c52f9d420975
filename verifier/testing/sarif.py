"""SARIF 2.1.0 from check results, for code-scanning views (GitHub, Azure DevOps, IDEs).

One rule per property of each spec (``<spec stem>/<property>``), one result per property
that does not pass: ``error`` for a failing one, ``warning`` for an inconclusive one or
a vacuous reachable. Each result points at the property's line in the spec, so the view
annotates the spec itself, and carries the counterexample as a code flow whose steps
point at the lines of the actions taken. Passing properties produce no result, so an
alert closes when its property holds again. Paths are relative to the current folder
(the repository root in CI) when the spec lies under it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier import __version__
from verifier import results as R
from verifier.testing.outcome import FAIL, INCONCLUSIVE, PASS, describe, outcome

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_ERROR_AT = re.compile(r"\(at (.+):(\d+):(\d+)\)\s*$")


def _uri(path: str) -> str:
    p = Path(path)
    try:
        rel = os.path.relpath(p.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive on Windows
        return p.resolve().as_uri()
    if rel.startswith(".."):
        return p.resolve().as_uri()
    return Path(rel).as_posix()


def _location(path: str, line: int, col: int = 1, snippet: str = "",
              message: str | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, line), "startColumn": max(1, col)}
    if snippet:
        region["snippet"] = {"text": snippet}
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": _uri(path)},
                                                "region": region}}
    if message:
        loc["message"] = {"text": message}
    return loc


def _where(result: R.CheckResult, p: R.PropertyResult) -> dict[str, Any]:
    """The property's line; for a run-time error, the failing statement's."""
    if p.location is not None:
        return _location(p.location.path, p.location.line, p.location.col, p.location.source_line)
    if p.trace is not None and p.trace.error:
        m = _ERROR_AT.search(p.trace.error)
        if m:
            return _location(m.group(1), int(m.group(2)), int(m.group(3)))
    return _location(result.spec_path, 1)


def _code_flow(result: R.CheckResult, p: R.PropertyResult) -> dict[str, Any] | None:
    if p.trace is None or not p.trace.steps:
        return None
    actions = {c.name: c.location for c in result.coverage if c.location is not None}
    here = _where(result, p)["physicalLocation"]
    steps = []
    for i, step in enumerate(p.trace.steps, 1):
        text = f"Step {i}: {step.label()}" + (" [fault]" if step.fault else "")
        at = actions.get(step.action)
        if at is not None:
            loc = _location(at.path, at.line, at.col, at.source_line, text)
        else:
            loc = {"physicalLocation": here, "message": {"text": text}}
        steps.append({"location": loc})
    return {"threadFlows": [{"locations": steps}]}


def sarif_log(results: Sequence[R.CheckResult]) -> dict[str, Any]:
    """The SARIF log (a JSON-ready dict) for ``results``."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for r in results:
        stem = Path(r.spec_path).stem
        for p in r.properties:
            rule_id = f"{stem}/{p.name}"
            if rule_id not in rule_index:
                rule_index[rule_id] = len(rules)
                rule: dict[str, Any] = {
                    "id": rule_id, "name": p.name,
                    "shortDescription": {"text": p.doc or f"{p.kind} {p.name}"},
                    "fullDescription": {"text": f"{p.kind} {p.name} of {r.spec_path}"
                                                + (f": {p.doc}" if p.doc else "")},
                    "defaultConfiguration": {"level": "error"},
                    "properties": {"kind": p.kind, "tags": ["model-checking", p.kind]}}
                rules.append(rule)
            verdict = outcome(r, p)
            vacuous = p.verdict == R.VACUOUS and verdict == PASS and p.expected is None
            if verdict == PASS and not vacuous:
                continue
            level = "error" if verdict == FAIL else "warning"
            res: dict[str, Any] = {
                "ruleId": rule_id, "ruleIndex": rule_index[rule_id], "level": level,
                "message": {"text": describe(r, p)},
                "locations": [_where(r, p)],
                "properties": {"model": r.model, "verdict": p.verdict, "engine": r.engine,
                               "expected": p.expected,
                               "inconclusive": verdict == INCONCLUSIVE}}
            flow = _code_flow(r, p)
            if flow is not None:
                res["codeFlows"] = [flow]
            out.append(res)
    driver = {"name": "verifier", "version": __version__, "semanticVersion": __version__,
              "rules": rules}
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": out,
                      "columnKind": "unicodeCodePoints"}]}


def write_sarif(results: Sequence[R.CheckResult], path: Path | str) -> None:
    """Write ``sarif_log(results)`` to ``path`` as JSON (UTF-8; folders created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(sarif_log(results), indent=2, sort_keys=False) + "\n",
                   encoding="utf-8")
