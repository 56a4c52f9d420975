"""``verifier simulate``: seeded random walks, shrinking, the clean outcome and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import results as R
from verifier.cli import main
from verifier.config import load_model as load_config
from verifier.config.load import load_model, load_spec
from verifier.explore import SimulateOptions, simulate

ROOT = Path(__file__).resolve().parents[2]
DUAL = ROOT / "models" / "triad_dual_master.toml"


def by_name(result: R.CheckResult) -> dict[str, R.PropertyResult]:
    return {p.name: p for p in result.properties}


def labels(p: R.PropertyResult) -> list[str]:
    assert p.trace is not None
    return [s.label() for s in p.trace.steps]


def test_a_violation_is_shrunk_to_the_fewest_steps_and_faults() -> None:
    model = load_model(load_config(DUAL))
    result = simulate(model, SimulateOptions(seed=1, runs=200, depth=30))
    p = by_name(result)["AtMostOneMaster"]
    assert p.verdict == R.VIOLATED
    # the shortest counterexample `verifier check` finds: 3 steps, 1 fault
    assert labels(p) == ["Isolate(P)", "Tick", "Elect(S)"]
    assert p.note == "found by random walk 58 after 12 steps and 1 fault, shrunk to 3 steps, 1 fault"
    assert by_name(result)["FailoverHappens"].verdict == R.HOLDS   # a witness on the way
    assert result.engine == "simulate" and not result.complete
    assert result.stats.states == 211 and "211 distinct states" in (result.stop_reason or "")


def test_without_shrinking_the_walk_is_reported_as_found() -> None:
    model = load_model(load_config(DUAL))
    p = by_name(simulate(model, SimulateOptions(seed=1, runs=200, depth=30, shrink=False)))["AtMostOneMaster"]
    assert p.trace is not None and len(p.trace) == 12


def test_a_seed_gives_the_same_walks_on_either_engine() -> None:
    model = load_model(load_config(DUAL))
    runs = [simulate(model, SimulateOptions(seed=5, runs=60, depth=15, compiled=c))
            for c in ("on", "off", "on")]
    assert len({r.stats.states for r in runs}) == 1
    assert runs[0].properties == runs[1].properties == runs[2].properties


def test_a_clean_simulation_is_never_holds(capsys: pytest.CaptureFixture[str]) -> None:
    result = simulate(load_spec(ROOT / "specs" / "mutex.fsl"), SimulateOptions(seed=3, runs=20, depth=10))
    inv = by_name(result)["MutualExclusion"]
    assert inv.verdict == R.INCONCLUSIVE and "not a proof" in (inv.note or "")
    assert "clean" in (result.stop_reason or "")
    mutex = str(ROOT / "specs" / "mutex.fsl")
    assert main(["simulate", mutex, "--seed", "3", "--runs", "20", "--depth", "10"]) == 3
    assert "clean simulation" in capsys.readouterr().out
    assert main(["simulate", mutex, "--seed", "3", "--runs", "20", "--allow-clean"]) == 0


def test_command_finds_shrinks_and_writes_reports(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    triad = str(ROOT / "specs" / "triad.fsl")   # no [expect]: a violation exits 1
    assert main(["simulate", triad, "--seed", "1", "--runs", "100", "--depth", "30",
                 "--property", "AtMostOneMaster", "--report-dir", str(tmp_path),
                 "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "Counterexample: AtMostOneMaster" in out
    assert (f"reproduce with: verifier simulate {triad} --seed 1 --runs 100 --depth 30 "
            "--property AtMostOneMaster") in out
    assert (tmp_path / "triad" / "report.html").exists()
    assert (tmp_path / "triad" / "trace-AtMostOneMaster.itf.json").exists()
    # the model expects the violation it finds; its other invariants stay inconclusive
    assert main(["simulate", str(DUAL), "--seed", "1", "--runs", "200", "--depth", "30"]) == 3


@pytest.mark.parametrize(("argv", "message"), [
    (["--fault-rate", "2"], "--fault-rate must lie between 0 and 1"),
    (["--runs", "0"], "--runs: expected a positive number"),
    (["--depth", "many"], "--depth: expected a whole number"),
    (["--property", "AtMostOneMastr"], "did you mean `AtMostOneMaster`?"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_flags_exit_2_without_a_traceback(argv: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(DUAL), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_missing_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "no/such/model.toml"]) == 2
    assert "model file 'no/such/model.toml' not found" in capsys.readouterr().err
