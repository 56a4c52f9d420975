"""The package facade: render() by format name, write_reports(), determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.lang.diagnostics import ConfigError
from verifier.reports import itf_file_name, render, write_reports
from verifier.reports.jsonio import result_from_json
from verifier.reports.markdown import render_markdown
from verifier.reports.text import render_text

from . import samples


@pytest.mark.parametrize("fmt", ["text", "txt", "md", "markdown", "html", "json"])
@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_render_is_deterministic(fmt: str, name: str) -> None:
    # Fresh objects each time: nothing may depend on identity, hashing or time.
    assert render(samples.ALL[name](), fmt) == render(samples.ALL[name](), fmt)


def test_render_dispatches() -> None:
    r = samples.dual_master()
    assert render(r, "text", color=True) == render_text(r, color=True)
    assert render(r, "text", full_states=True) == render_text(r, full_states=True)
    assert render(r, "md") == render_markdown(r)
    assert result_from_json(render(r, "json")) == r
    assert render(r, "html").startswith("<!DOCTYPE html>")


def test_render_rejects_unknown_format_and_options() -> None:
    with pytest.raises(ConfigError, match="unknown report format 'pdf'"):
        render(samples.dual_master(), "pdf")
    with pytest.raises(ConfigError, match="'color' does not apply to the html format"):
        render(samples.dual_master(), "html", color=True)
    with pytest.raises(ConfigError, match="'colour' does not apply"):
        render(samples.dual_master(), "text", colour=True)


def test_write_reports(tmp_path: Path) -> None:
    paths = write_reports(samples.dual_master(), tmp_path / "reports" / "triad")
    names = [p.name for p in paths]
    assert names == ["report.md", "report.html", "result.json", "trace-OneMaster.itf.json",
                     "trace-FailoverHappens.itf.json", "trace-runtime.itf.json", "report.txt"]
    assert all(p.is_file() for p in paths)
    itf = json.loads((tmp_path / "reports/triad/trace-OneMaster.itf.json").read_text("utf-8"))
    assert itf["#meta"]["property"] == "OneMaster"
    assert itf["#meta"]["verdict"] == "violated"
    assert b"\r\n" not in paths[0].read_bytes()


def test_write_reports_is_byte_identical(tmp_path: Path) -> None:
    a = write_reports(samples.dual_master(), tmp_path / "a")
    b = write_reports(samples.dual_master(), tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes(), x.name


def test_write_reports_subset_and_unknown(tmp_path: Path) -> None:
    paths = write_reports(samples.inconclusive(), tmp_path, formats=("json", "itf"))
    assert [p.name for p in paths] == ["result.json"]  # no traces, no ITF files
    with pytest.raises(ConfigError, match="unknown report format 'pdf'"):
        write_reports(samples.inconclusive(), tmp_path, formats=("pdf",))


def test_itf_file_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert itf_file_name("OneMaster", taken) == "trace-OneMaster.itf.json"
    assert itf_file_name("../etc/passwd", taken) == "trace-_etc_passwd.itf.json"
    assert itf_file_name(samples.EVIL, taken) == "trace-_script_alert_1___script_.itf.json"
    assert itf_file_name("onemaster", taken) == "trace-onemaster-2.itf.json"


def test_output_does_not_depend_on_the_hash_seed() -> None:
    """str hashing changes between processes; no report may depend on it."""
    root = Path(__file__).resolve().parents[2]
    code = ("import hashlib, sys; from tests.reports import samples; "
            "from verifier.reports import render; r = samples.dual_master(); "
            "sys.stdout.write(hashlib.sha256(''.join(render(r, f) for f in "
            "('text', 'md', 'html', 'json')).encode()).hexdigest())")
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                             capture_output=True, text=True, check=True)
        digests.add(out.stdout)
    assert len(digests) == 1
