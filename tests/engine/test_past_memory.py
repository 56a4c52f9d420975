"""Past memory (issue 14, item 2): the seen-set spilled to disk, and hash compaction.

A tiny memory budget (``store_mb``) forces the kernel search to hand its state table over
to the level-by-level search on sorted runs on disk, and the runs to be written and
merged again and again; the result must be the in-memory one exactly (counts, coverage,
fault combinations, verdicts, counterexamples). Hash compaction finds the same states
(no fingerprint collides on these models) but never says "holds".
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from kernel_harness import comparable
from test_compiler import FEATURES, model_of

from verifier import results as R
from verifier.cli.common import exit_code
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine import EngineError, run_check
from verifier.engine.kernel import levels as L
from verifier.engine.kernel.levelsearch import miss_probability
from verifier.engine.kernel.seen import SeenSet
from verifier.engine.options import CheckOptions

ROOT = Path(__file__).resolve().parents[2]
TINY = 0.02  # MiB: the state table spills at once, the table's keys every few thousand


def _model(name: str) -> object:
    return load_model(load_config(ROOT / "models" / f"{name}.toml"))


def _safety(r: R.CheckResult) -> R.CheckResult:
    """The result without liveness properties (a spilled search keeps no state graph) and
    without the count of states a symmetric search's classes hold (not counted once the
    states went to disk)."""
    sym = r.symmetry if r.symmetry is None else dataclasses.replace(r.symmetry, represents=0)
    return dataclasses.replace(comparable(r), symmetry=sym,
                               properties=tuple(p for p in r.properties if p.kind != R.LIVENESS))


@pytest.mark.parametrize("name,states", [("hal_n5", 12_539), ("triad_dual_master", 505),
                                         ("dsls_minority", 33_727), ("hal_seat_theft", 39)])
def test_spilled_search_gives_the_in_memory_result(name: str, states: int) -> None:
    m = _model(name)
    mem = run_check(m, CheckOptions(kernel="on", deadlock=True))  # type: ignore[arg-type]
    disk = run_check(m, CheckOptions(kernel="on", deadlock=True, store_mb=TINY))  # type: ignore[arg-type]
    assert mem.stats.states == disk.stats.states == states
    assert _safety(mem) == _safety(disk)
    assert disk.backend_note and "spilled to disk" in disk.backend_note
    if disk.symmetry is not None and disk.symmetry.reduced:  # reduced on disk too, its classes not counted
        assert disk.symmetry.represents == 0 and mem.symmetry is not None and mem.symmetry.represents > states


@pytest.mark.parametrize("name", ["errors", "picks", "faults_constraints", "option_bits"])
def test_spill_on_feature_specs_with_and_without_a_state_limit(name: str) -> None:
    caps = {"faults": {"Crash": 2}} if name == "faults_constraints" else {}
    m = model_of(FEATURES[name], **caps)
    for limit in (None, 100):
        mem = run_check(m, CheckOptions(kernel="on", deadlock=True, max_states=limit))
        disk = run_check(m, CheckOptions(kernel="on", deadlock=True, max_states=limit, store_mb=TINY))
        assert _safety(mem) == _safety(disk)


def test_liveness_is_inconclusive_once_spilled_and_says_why() -> None:
    r = run_check(_model("hal_n3"), CheckOptions(kernel="on", store_mb=TINY))  # type: ignore[arg-type]
    live = [p for p in r.properties if p.kind == R.LIVENESS]
    assert live and all(p.verdict == R.INCONCLUSIVE and "spilled to disk" in (p.note or "") for p in live)


def test_the_memory_limit_spills_before_it_stops() -> None:
    # 1 MiB is below what the process takes: the search spills, then stops at the limit
    r = run_check(_model("hal_n3"), CheckOptions(kernel="on", max_memory_mb=1))  # type: ignore[arg-type]
    assert not r.complete and "memory limit" in (r.stop_reason or "")
    assert r.backend_note and "spilled to disk" in r.backend_note


def test_hash_compaction_finds_the_same_states_and_never_holds() -> None:
    m = _model("hal_n5")
    exact = run_check(m, CheckOptions(kernel="on", deadlock=True))  # type: ignore[arg-type]
    fp = run_check(m, CheckOptions(kernel="on", deadlock=True, hash_compaction=True))  # type: ignore[arg-type]
    assert fp.stats.states == exact.stats.states == 12_539  # hal_n5 reduced by symmetry
    assert fp.stats.transitions == exact.stats.transitions and fp.coverage == exact.coverage
    assert not fp.complete and (fp.stop_reason or "").startswith("hash compaction: a state may have been missed")
    assert all(p.verdict != R.HOLDS or p.kind == R.REACHABLE for p in fp.properties)
    for p, q in zip(exact.properties, fp.properties):
        if p.kind == R.REACHABLE and p.verdict == R.HOLDS:  # a witness found is a real one
            assert q.verdict == R.HOLDS and q.trace == p.trace
        else:
            assert q.verdict == R.INCONCLUSIVE and "hash compaction" in (q.note or "")
    assert exit_code(fp) == 3
    assert f"{miss_probability(12_539):.1e}" in (fp.stop_reason or "")


def test_hash_compaction_finds_the_same_counterexample() -> None:
    m = _model("triad_dual_master")
    exact = run_check(m, CheckOptions(kernel="on"))  # type: ignore[arg-type]
    for store in (None, TINY):
        fp = run_check(m, CheckOptions(kernel="on", hash_compaction=True, store_mb=store))  # type: ignore[arg-type]
        assert fp.stats.states == exact.stats.states
        bad = [(p.name, p.trace) for p in exact.properties if p.verdict == R.VIOLATED]
        assert bad and bad == [(p.name, p.trace) for p in fp.properties if p.verdict == R.VIOLATED]
        assert exit_code(fp) == 1


def test_miss_probability_is_the_birthday_bound() -> None:
    assert miss_probability(1) == 0.0
    assert miss_probability(2**20) == pytest.approx(2**20 * (2**20 - 1) / 2 / 2**64)
    assert miss_probability(2**40) == 1.0


def test_seen_set_runs_merge_and_answer_membership(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    seen = SeenSet(2, 4096, tmp_path)
    truth: set[tuple[int, int]] = set()
    for _ in range(40):
        batch = rng.integers(-50, 50, size=(300, 2), dtype=np.int64)
        new = seen.add(batch, len(batch))
        want, firsts = [], set()
        for j, row in enumerate(map(tuple, batch.tolist())):
            if row not in truth and row not in firsts:
                want.append(j)
                firsts.add(row)
        assert new.tolist() == want
        truth |= firsts
        if seen.over_budget():
            seen.spill()
    assert seen.spills > 2 and len(seen.runs) <= 4
    merged = np.concatenate([r.array() for r in seen.runs])
    assert all((np.diff(L.sort_rows(r.array())) == 1).all() for r in seen.runs)  # each run sorted
    assert {tuple(x) for x in merged.tolist()} <= truth


def test_an_unwritable_spill_folder_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EngineError) as e:
        run_check(_model("hal_n3"), CheckOptions(kernel="on", store_mb=TINY,  # type: ignore[arg-type]
                                                 spill_dir=str(blocker / "sub")))
    assert e.value.code == "E130" and "spill folder" in e.value.message


@pytest.mark.parametrize("extra", [{"hash_compaction": True}, {"store_mb": 1.0}, {"cluster": "local:1"},
                                   {"checkpoint_dir": "unused"}])
def test_the_options_of_the_kernel_engine_are_refused_on_another_engine(extra: dict[str, object]) -> None:
    with pytest.raises(EngineError) as e:  # never a run that quietly leaves out what was asked for
        run_check(_model("hal_n3"), CheckOptions(kernel="off", **extra))  # type: ignore[arg-type]
    assert e.value.code == "E121" and "needs the kernel engine" in e.value.message


def test_a_run_without_a_cluster_imports_no_dask() -> None:
    code = ("import sys\nfrom verifier.cli import main\ntry:\n    rc = main(sys.argv[1:])\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "print('RC', rc, sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))")
    p = subprocess.run([sys.executable, "-c", code, "check", str(ROOT / "models" / "hal_seat_theft.toml"),
                        "-q", "--no-reports", "--store-memory", "0.02"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert p.stdout.strip().splitlines()[-1] == "RC 0 []", p.stdout + p.stderr
