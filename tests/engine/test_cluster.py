"""Checking across machines (issue 14, item 4): hash-partitioned search on a Dask cluster.

A local cluster of two worker processes, started here, stands in for machines: the
search on it must give the single process's result exactly (counts, coverage, fault
combinations, verdicts, counterexamples), with the state limit, stop-at-first, run-time
errors and deadlocks; ``--cluster local:2`` starts its own two; bad addresses are user
errors (exit 2) with a hint, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernel_harness import comparable
from test_compiler import FEATURES, model_of

from verifier import results as R
from verifier.cli import main
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine import EngineError, run_check
from verifier.engine.options import CheckOptions

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _model(name: str) -> Any:
    return load_model(load_config(ROOT / "models" / f"{name}.toml"))


def _safety(r: R.CheckResult) -> R.CheckResult:
    return dataclasses.replace(comparable(r), properties=tuple(p for p in r.properties if p.kind != R.LIVENESS))


@pytest.mark.parametrize("name,states", [("hal_n4", 11_467), ("triad_dual_master", 505), ("hal_seat_theft", 39)])
def test_cluster_gives_the_single_process_result(name: str, states: int, address: str) -> None:
    m = _model(name)
    # the cluster does not reduce by symmetry (it says so): compared with the unreduced search
    one = run_check(m, CheckOptions(kernel="on", deadlock=True, symmetry=False))
    many = run_check(m, CheckOptions(kernel="on", deadlock=True, cluster=address))
    assert one.stats.states == many.stats.states == states
    if m.symmetric:
        assert many.symmetry is not None and not many.symmetry.reduced
        assert "not combined with --cluster" in (many.symmetry.note or "")
        one = dataclasses.replace(one, symmetry=many.symmetry)
    assert _safety(one) == _safety(many)
    assert many.backend_note and "Dask cluster of 2 workers" in many.backend_note
    live = [p for p in many.properties if p.kind == R.LIVENESS]
    assert all(p.verdict == R.INCONCLUSIVE and "--cluster" in (p.note or "") for p in live)


@pytest.mark.parametrize("name", ["errors", "faults_constraints"])
def test_cluster_on_feature_specs_with_a_state_limit(name: str, address: str) -> None:
    caps = {"faults": {"Crash": 2}} if name == "faults_constraints" else {}
    m = model_of(FEATURES[name], **caps)
    for limit in (None, 100):
        one = run_check(m, CheckOptions(kernel="on", deadlock=True, max_states=limit))
        many = run_check(m, CheckOptions(kernel="on", deadlock=True, max_states=limit, cluster=address))
        assert _safety(one) == _safety(many)


def test_cluster_with_hash_compaction_and_spilling_shards(address: str) -> None:
    m = _model("triad_dual_master")
    one = run_check(m, CheckOptions(kernel="on", hash_compaction=True))
    many = run_check(m, CheckOptions(kernel="on", hash_compaction=True, store_mb=0.001, cluster=address))
    assert _safety(one) == _safety(many)
    assert not many.complete and (many.stop_reason or "").startswith("hash compaction")


@pytest.mark.parametrize("where,text", [("nonsense", "not a scheduler address"),
                                        ("local:0", "expected local:K"),
                                        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler")])
def test_bad_cluster_addresses_are_user_errors(where: str, text: str) -> None:
    with pytest.raises(EngineError) as e:
        run_check(_model("hal_n3"), CheckOptions(kernel="on", cluster=where))
    assert e.value.code == "E131" and text in e.value.message


def test_command_line_local_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    model = str(ROOT / "models" / "triad_dual_master.toml")

    def check(*extra: str) -> tuple[int, str, str]:  # in this process: a fresh one loads numba again
        code = main(["check", model, "--json", "--property", "AtMostOneMaster", "--property", "FailoverHappens",
                     *extra])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, err

    (c1, one, _), (c2, many, err) = check(), check("--cluster", "local:2")
    assert c1 == c2 == 0, err
    a, b = json.loads(one)["results"][0], json.loads(many)["results"][0]
    assert a["stats"]["states"] == b["stats"]["states"] == 505
    assert a["properties"] == b["properties"] and a["coverage"] == b["coverage"]
    assert "Dask cluster of 2 workers" in b["backend_note"]
    code, out, err = check("--cluster", "local:x")
    assert code == 2 and "error[E131]" in out + err
