"""``verifier report RESULT.json``: re-rendering a saved result, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.cli.report import report_main
from verifier.reports import render
from verifier.reports.jsonio import result_to_json

from . import samples


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "result.json"
    path.write_text(result_to_json(samples.dual_master()), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["html", "md", "text", "json"])
def test_renders_to_a_file(saved: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    assert report_main([str(saved), "--format", fmt, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render(samples.dual_master(), fmt)


def test_json_to_json_is_the_identity(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.json"
    assert report_main([str(saved), "--format", "json", "--out", str(out)]) == 0
    assert out.read_bytes() == saved.read_bytes()


def test_stdout_text_options(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_main([str(saved), "--full-states", "--color", "never"]) == 0
    assert capsys.readouterr().out == render(samples.dual_master(), "text", full_states=True)
    assert report_main([str(saved), "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out
    assert report_main([str(saved)]) == 0  # auto: captured stdout is no terminal
    assert "\x1b[" not in capsys.readouterr().out


@pytest.mark.parametrize(("content", "argv_extra", "message"), [
    (None, [], "cannot read"),
    ("{oops", [], "error[R001]: not valid JSON"),
    ('{"format": "verifier-result", "schema_version": 99}', [], "error[R002]"),
    ("", ["--format", "pdf"], "invalid choice: 'pdf'"),
    ("", ["--bogus"], "unrecognized arguments: --bogus"),
])
def test_errors_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         content: str | None, argv_extra: list[str],
                                         message: str) -> None:
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert report_main([str(path), *argv_extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_unwritable_output(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_main([str(saved), "--out", str(tmp_path / "no" / "such" / "dir" / "x")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_main(["--help"]) == 0
    assert "verifier report" in capsys.readouterr().out
