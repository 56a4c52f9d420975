"""Reports stage (the last of the pipeline): a ``CheckResult`` rendered for people
and tools.

``render(result, fmt)`` gives one format as text: ``text`` (terminal,
``render_text``), ``md`` (Markdown, ``render_markdown``), ``html`` (one
self-contained page with an SVG timeline, ``render_html``) or ``json`` (the saved
result, ``result_to_json``). ``write_reports`` writes a folder of them plus one ITF
trace per property that has a trace. Output depends only on the result: the same
result gives byte-identical files. Renderers read the plain data of
``verifier.results`` and nothing else, so a saved ``result.json`` re-renders
without the spec (``verifier report``, ``verifier/cli/report.py``). Written reports leave
out run times and memory (``without_timings``) unless asked, so that they are
byte-identical between runs.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from verifier.lang.diagnostics import ConfigError, Diagnostic
from verifier.reports.html import render_html
from verifier.reports.itf import itf_text, trace_to_itf, write_itf
from verifier.reports.jsonio import result_from_json, result_to_json, value_to_json
from verifier.reports.markdown import render_markdown
from verifier.reports.text import render_text
from verifier.results import CheckResult

__all__ = [
    "FORMATS",
    "REPORT_FILES",
    "clear_reports",
    "itf_file_name",
    "render",
    "render_html",
    "render_markdown",
    "render_text",
    "replaced_configuration",
    "result_from_json",
    "result_to_json",
    "trace_to_itf",
    "without_timings",
    "write_itf",
    "write_reports",
]

# Accepted names of each format (the first is canonical).
FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "text": ("text", "txt"),
    "md": ("md", "markdown"),
    "html": ("html",),
    "json": ("json",),
})

# File written by write_reports for each format; "itf" writes one file per trace.
REPORT_FILES: Mapping[str, str] = MappingProxyType({
    "md": "report.md", "html": "report.html", "json": "result.json", "txt": "report.txt"})


def _canonical(fmt: str) -> str:
    for name, aliases in FORMATS.items():
        if fmt in aliases:
            return name
    known = ", ".join(a for aliases in FORMATS.values() for a in aliases)
    raise ConfigError([Diagnostic("R004", f"unknown report format {fmt!r}",
                                  hint=f"use one of: {known}")])


def render(result: CheckResult, fmt: str, **opts: bool) -> str:
    """The result in format ``fmt`` (text|txt, md|markdown, html, json). Options:
    ``color`` and ``full_states`` for text; other formats take none."""
    name = _canonical(fmt)
    if name == "text":
        unknown = sorted(set(opts) - {"color", "full_states"})
        if not unknown:
            return render_text(result, color=opts.get("color", False),
                               full_states=opts.get("full_states", False))
    else:
        unknown = sorted(opts)
        if not unknown:
            return {"md": render_markdown, "html": render_html,
                    "json": result_to_json}[name](result)
    raise ConfigError([Diagnostic("R004", f"option {unknown[0]!r} does not apply to the "
                                          f"{name} format",
                                  hint="only the text format takes options "
                                       "(color, full_states)")])


def itf_file_name(prop: str, taken: set[str], prefix: str = "trace") -> str:
    """``trace-<property>.itf.json`` (``cti-`` for a counterexample to induction) with
    the name made safe for any file system; a name that clashes after cleaning (or
    differs only in case) gets ``-2``, ``-3``..."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", prop).strip(".") or "property"
    name, n = f"{prefix}-{stem}.itf.json", 1
    while name.lower() in taken:
        n += 1
        name = f"{prefix}-{stem}-{n}.itf.json"
    taken.add(name.lower())
    return name


def write_reports(result: CheckResult, out_dir: Path, *,
                  formats: Sequence[str] = ("md", "html", "json", "itf", "txt")) -> list[Path]:
    """Write the chosen reports into ``out_dir`` (created if needed): report.md,
    report.html, result.json, report.txt and, for "itf", one
    ``trace-<property>.itf.json`` per property with a trace (and
    ``cti-<property>.itf.json`` per counterexample to induction). Returns the paths
    written, in the order of ``formats``. Files are UTF-8 with ``\\n`` line ends."""
    unknown = [f for f in formats if f not in REPORT_FILES and f != "itf"]
    if unknown:
        raise ConfigError([Diagnostic(
            "R004", f"unknown report format {unknown[0]!r}",
            hint="use any of: " + ", ".join([*REPORT_FILES, "itf"]))])
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in formats:
        if fmt == "itf":
            taken: set[str] = set()
            for p in result.properties:
                for prefix, trace in (("trace", p.trace), ("cti", p.cti)):
                    if trace is None:
                        continue
                    meta = {"source": result.spec_path, "model": result.model,
                            "property": p.name, "kind": p.kind, "verdict": p.verdict}
                    if trace.loop is not None:  # a lasso: the behaviour repeats from there
                        meta["loop"] = str(trace.loop)
                        meta["loop-description"] = (
                            "stays in the last state forever" if trace.stutter else
                            f"after the last state, the behaviour goes back to state {trace.loop}")
                    if prefix == "cti":
                        meta["description"] = ("counterexample to induction: the first state "
                                               "need not be reachable")
                    path = out_dir / itf_file_name(p.name, taken, prefix)
                    path.write_bytes(itf_text(trace, meta=meta).encode("utf-8"))
                    written.append(path)
            continue
        text = render(result, "text" if fmt == "txt" else fmt)
        path = out_dir / REPORT_FILES[fmt]
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


_OURS = re.compile(r"(report\.(md|html|txt)|result\.json|(trace|cti)-.+\.itf\.json)")


def replaced_configuration(out_dir: Path, result: CheckResult) -> str | None:
    """When ``out_dir`` holds the report of another configuration than ``result``'s
    (another model, spec or constant values): what that configuration was, in words;
    None when it holds none, or one of the same configuration."""
    try:
        old = json.loads((out_dir / REPORT_FILES["json"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(old, dict):
        return None
    mine = {"model": result.model, "spec_path": result.spec_path,
            "constants": [[n, value_to_json(v)] for n, v in result.constants]}
    theirs = {k: old.get(k) for k in mine}
    if theirs == mine:
        return None
    if theirs["model"] != mine["model"] or theirs["spec_path"] != mine["spec_path"]:
        return f"model {theirs['model']} of {theirs['spec_path']}"
    before = dict(tuple(c) for c in theirs["constants"] or () if isinstance(c, list) and len(c) == 2)
    changed = [f"{n} = {json.dumps(before.get(n))} (now {json.dumps(v)})"
               for n, v in mine["constants"] if before.get(n) != v]
    return "constants " + (", ".join(changed) if changed else "other than now")


def clear_reports(out_dir: Path) -> None:
    """Remove the report files of an earlier run from ``out_dir`` (only files with the
    names ``write_reports`` gives), so that no trace of another result is left behind."""
    if out_dir.is_dir():
        for p in out_dir.iterdir():
            if p.is_file() and _OURS.fullmatch(p.name):
                p.unlink()


def without_timings(result: CheckResult) -> CheckResult:
    """The result without run-dependent numbers (time, memory), for byte-identical reports.

    Bytes per state goes too: it measures the engine's tables (their growth steps, the
    edges kept for liveness), not the model, and changes with the engine's version.
    """
    stats = dataclasses.replace(result.stats, seconds=0.0, peak_memory_mb=0.0, compile_seconds=0.0,
                                bytes_per_state=0.0)
    return dataclasses.replace(result, stats=stats)
