"""The catalogue of bad inputs: every ``NAME.fsl`` here, checked with ``verifier check``,
must exit 2 and print exactly ``NAME.expect`` on stderr (no traceback, no internal
error). Inputs that cannot live in the repository (5 MB, nested 10,000 deep, a missing
file, a directory) are generated into a temporary folder; their goldens are in
``generated/``, with the folder written as ``<tmp>``. ``UPDATE_GOLDEN=1`` rewrites the
goldens from the current output; review the diff before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from verifier.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CASES = sorted(HERE.glob("*.fsl"))
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
DEEP = 10_000


def _golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden {path.name}: run with UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 2, (code, out, err)
    assert out == ""
    return err


def test_the_catalogue_is_complete() -> None:
    """At least 40 inputs, and every code of the front end appears in some golden."""
    assert len(CASES) >= 40
    goldens = "".join(p.with_suffix(".expect").read_text(encoding="utf-8")
                      for p in CASES if p.with_suffix(".expect").exists())
    goldens += "".join(p.read_text(encoding="utf-8") for p in (HERE / "generated").glob("*.expect"))
    codes = [f"E{n:03d}" for n in range(1, 17)] + [f"E{n}" for n in range(101, 112)]
    codes += ["E117", "E118", "E119", "E122", "E125", "E126", "E127"]
    missing = [c for c in codes if f"error[{c}]" not in goldens]
    assert not missing


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden(case: Path, capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    err = _run(["check", str(case.relative_to(ROOT))], capsys)
    _golden(case.with_suffix(".expect"), err)
    if case.stem.startswith("many_"):
        assert err.count("error[") >= 4  # every independent error is reported


def _big(p: Path) -> None:
    line = "var v: bool = true  # " + "x" * 77 + "\n"
    p.write_text(line * (5_000_000 // len(line) + 1), encoding="utf-8")


def _write(text: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(text, encoding="utf-8")


GENERATED: dict[str, tuple[Callable[[Path], None], str]] = {
    "five_megabytes": (_big, "check"),
    "deep_parentheses": (_write("var x: 0..3 = 0\ninvariant I: " + "(" * DEEP + "x" + ")" * DEEP
                                + " == true\n"), "check"),
    "deep_unary_minus": (_write("var x: 0..3 = 0\ninvariant I: " + "-" * DEEP + "x >= 0\n"), "check"),
    "deep_sum": (_write("var x: 0..3 = 0\ninvariant I: " + " + ".join(["x"] * DEEP) + " >= 0\n"),
                 "check"),
    "deep_blocks": (_write("var x: bool = true\naction A {\n" + "if x {" * DEEP + "}" * DEEP + "\n}\n"),
                    "check"),
    "deep_unclosed": (_write("var x: 0..3 = 0\ninvariant I: " + "(" * DEEP + "x\n"), "check"),
    "missing_file_check": (lambda p: None, "check"),
    "missing_file_fmt": (lambda p: None, "fmt"),
    "directory_check": (lambda p: p.mkdir(), "check"),
    "directory_fmt": (lambda p: p.mkdir(), "fmt"),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, command = GENERATED[name]
    path = tmp_path / f"{name}.fsl"
    make(path)
    err = _run([command, str(path)], capsys)
    _golden(HERE / "generated" / f"{name}.expect", err.replace(str(tmp_path), "<tmp>"))


def test_the_real_command_line(tmp_path: Path) -> None:
    """One run through `python -m verifier`, as a user would: exit code 2, no traceback."""
    names = ["e016_empty", "e006_binary", "e013_bang"]
    r = subprocess.run([sys.executable, "-m", "verifier", "check",
                        *(f"tests/diagnostics/{n}.fsl" for n in names)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    expected = "".join((HERE / f"{n}.expect").read_text(encoding="utf-8") for n in names)
    assert r.stderr == expected
