"""Names a model file uses are checked against its spec (issue 11, items 9, 13 and 7):
an unknown name in `[expect]` is C014 with a did-you-mean in check, prove and fuzz (the
pytest plugin: tests/ci/test_pytest_plugin.py); C014 for `[check] properties` points at the name; a model without any
property is a warning (an error with vacuity "error"); configuration errors come all
at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from verifier.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _seat_theft(tmp_path: Path, old: str, new: str) -> Path:
    """hal_seat_theft.toml with one edit, next to a copy of the specs."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs", dirs_exist_ok=True)
    (tmp_path / "models").mkdir(exist_ok=True)
    text = (ROOT / "models" / "hal_seat_theft.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "models" / "hal_seat_theft.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


@pytest.mark.parametrize("command", [["check"], ["prove", "--bmc", "2"], ["fuzz", "--examples", "5"]])
def test_a_misspelt_expect_name_is_c014_everywhere(command: list[str], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # the case: exit 1 while the summary said "all as expected"
    model = _seat_theft(tmp_path, 'NoOverIssue = "violated"', 'NoOverIsue = "violated"')
    code = main([command[0], str(model), *command[1:]])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    line = _line_of(model, "NoOverIsue =")
    assert f"{model}:{line}:1: error[C014]: [expect] names `NoOverIsue`, which is not a property " \
           "of the spec" in err
    assert f"{line:>4} | NoOverIsue" in err and "^^^^^^^^^^" in err
    assert "hint: did you mean `NoOverIssue`?" in err
    assert "Traceback" not in err


def test_check_properties_c014_points_at_the_name(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = _seat_theft(tmp_path, '"TableWithinShare"', '"TableWithinShar"')
    assert main(["check", str(model)]) == 2
    err = capsys.readouterr().err
    line = _line_of(model, "properties =")
    col = model.read_text().splitlines()[line - 1].index('"TableWithinShar"') + 1
    assert f"{model}:{line}:{col}: error[C014]: the spec has no invariant, reachable or liveness " \
           "property `TableWithinShar`" in err
    assert " " * (col - 1) + "^" * len('"TableWithinShar"') in err
    # from --property, the name is the command line's
    assert main(["check", str(ROOT / "models/hal_seat_theft.toml"), "--property", "Nope"]) == 2
    assert "<command line>: error[C014]" in capsys.readouterr().err


def test_checker_properties_may_be_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Deadlock and RuntimeError are names [expect] may use: an expectation for Deadlock
    turns the deadlock check on, and one for RuntimeError is always answered."""
    model = _seat_theft(tmp_path, 'NoOverIssue = "violated"',
                        'NoOverIssue = "violated"\nRuntimeError = "violated"\nDeadlock = "holds"')
    assert main(["check", str(model)]) == 1  # no run-time error, though one is expected
    rows = {ln.split()[0]: ln.split()[1:] for ln in capsys.readouterr().out.splitlines()
            if ln.startswith("  ") and len(ln.split()) >= 4}
    assert rows["RuntimeError"] == ["runtime-error", "holds", "violated", "NOT", "as", "expected"]
    assert rows["Deadlock"] == ["deadlock", "holds", "holds", "as", "expected"]


def test_a_spec_without_properties_warns_or_fails(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bare.fsl"
    spec.write_text("var x: 0..1 = 0\naction A { x = 1 - x }\n")
    assert main(["check", str(spec), "-q"]) == 0
    err = capsys.readouterr().err
    assert f"warning[C015]: {spec} has no invariant, reachable or liveness property" in err
    assert '`--vacuity error` makes this an error' in err
    assert main(["check", str(spec), "-q", "--vacuity", "error"]) == 2
    assert "error[C015]" in capsys.readouterr().err
    model = tmp_path / "bare.toml"
    model.write_text('spec = "bare.fsl"\n[check]\nvacuity = "error"\n')
    assert main(["check", str(model), "-q"]) == 2
    assert f"{model}: error[C015]" in capsys.readouterr().err


def test_configuration_errors_come_all_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """C011 (a constant outside its type) used to hide C012 in the same file."""
    model = _seat_theft(tmp_path, "LICENSES = 1", "LICENSES = 99")
    model.write_text(model.read_text().replace("Crash = 1", "Crsh = 1")
                     .replace('"TableWithinShare"', '"TableWithinShar"'))
    assert main(["check", str(model)]) == 2
    err = capsys.readouterr().err
    codes = [ln.split("error[")[1][:4] for ln in err.splitlines() if "error[" in ln]
    assert codes == ["C011", "C012", "C014"], err
