"""Limits, Ctrl-C, and state-graph export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from verifier import results as R
from verifier.cli import main
from verifier.config.load import load_spec
from verifier.engine import run_check
from verifier.engine.graph import GraphTooLarge, build_graph, summarize
from verifier.engine.options import CheckOptions

ROOT = Path(__file__).resolve().parents[2]
BIG = ROOT / "bench" / "counters.fsl"


def test_time_limit_is_inconclusive(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--json", "--time-limit", "0.5", "--const", "N=8", str(BIG)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    (res,) = doc["results"]
    assert res["complete"] is False and "time limit" in res["stop_reason"]
    assert {p["verdict"] for p in res["properties"]} == {R.INCONCLUSIVE}


def test_memory_limit_is_inconclusive() -> None:
    m = load_spec(BIG)
    r = run_check(m, CheckOptions(max_memory_mb=1))
    assert not r.complete and "memory limit" in (r.stop_reason or "")


def test_ctrl_c_stops_cleanly_as_inconclusive() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "verifier", "check", "--no-reports", "--json", "--progress",
         "--const", "N=9", str(BIG)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first progress line: the search is running
    assert first.startswith("progress:"), first
    proc.send_signal(signal.SIGINT)
    out, rest = proc.communicate(timeout=60)
    err = first + rest
    assert proc.returncode == 3, err
    doc = json.loads(out)
    assert doc["results"][0]["stop_reason"] == "interrupted"
    assert "Traceback" not in err


def test_graph_of_mutex() -> None:
    g = build_graph(load_spec(ROOT / "specs/mutex.fsl"), CheckOptions())
    assert isinstance(g, nx.DiGraph)
    s = summarize(g)
    assert (s.nodes, s.edges, s.initial, s.terminal, s.sccs, s.max_distance) == (20, 48, 1, 0, 1, 4)
    assert g.nodes[0]["lock"] == "false"
    assert {d["label"] for _, _, d in g.out_edges(0, data=True)} == {"Request(0)", "Request(1)", "Request(2)"}


def test_graph_refuses_large_models() -> None:
    with pytest.raises(GraphTooLarge):
        build_graph(load_spec(ROOT / "specs/mutex.fsl"), CheckOptions(graph_max_nodes=10))


def test_graph_command_writes_dot_and_graphml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(ROOT / "specs/mutex.fsl"), "--out", str(tmp_path)]) == 0
    dot = (tmp_path / "mutex" / "states.dot").read_text()
    assert dot.startswith("strict digraph") and "Request(0)" in dot
    g = nx.read_graphml(tmp_path / "mutex" / "states.graphml")
    assert g.number_of_nodes() == 20
    assert main(["graph", str(ROOT / "specs/mutex.fsl"), "--out", str(tmp_path), "--max-nodes", "5"]) == 2
    assert "G001" in capsys.readouterr().err


def test_counterexample_neighbourhood_highlights_the_trace(tmp_path: Path) -> None:
    import shutil

    from verifier.config import load_model as load_config
    from verifier.config.load import load_model
    from verifier.engine.graph import build_graph, trace_neighbourhood, write_graph_reports

    cfg = load_config(ROOT / "models" / "triad_reconnect.toml")
    model = load_model(cfg)
    result = run_check(model, CheckOptions(properties=cfg.properties))
    (bad,) = [p for p in result.properties if p.verdict == R.VIOLATED]
    assert bad.trace is not None
    sub = trace_neighbourhood(build_graph(model, CheckOptions()), bad.trace)
    on_trace = [n for n, d in sub.nodes(data=True) if d.get("on_trace")]
    assert len(on_trace) == len(bad.trace.steps) + 1
    assert sum(1 for *_, d in sub.edges(data=True) if d.get("on_trace")) == len(bad.trace.steps)
    paths = write_graph_reports(model, CheckOptions(), result, tmp_path)
    names = {p.name for p in paths}
    assert {"states.dot", "states.graphml"} <= names
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed: no SVG (.ci/run installs it)")
    svg = (tmp_path / f"trace-{bad.name}.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and 'stroke="red"' in svg
    assert "states.svg" in names  # the whole graph is small enough to draw
