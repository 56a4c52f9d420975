"""The native liveness search (``liveness/native.py`` over ``liveness/passes.py``) against
the Python one (``fair.py``, ``bounded.py``, ``check.violation``): the same lasso, the
same bounded path, the same verdicts and counterexamples, on random graphs, on random
specs and on the shipped models. Zero disagreements."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.liveness.reference import Ref
from tests.liveness.test_soundness import NIGHTLY, _model
from verifier import results as R
from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine import run_check
from verifier.engine.liveness import check as L
from verifier.engine.liveness import conditions, numbered_succ, reference_graph, violation
from verifier.engine.liveness import csr as G
from verifier.engine.liveness import native as N
from verifier.engine.liveness.bounded import bounded_violation
from verifier.engine.liveness.csr import Csr
from verifier.engine.liveness.fair import Condition, find_fair_lasso
from verifier.engine.liveness.passes import from_edges
from verifier.engine.options import check_options
from verifier.engine.select import select_liveness
from verifier.lang import typesys as T
from verifier.testing.specgen import liveness_spec

ROOT = Path(__file__).resolve().parents[2]
TIER = settings(max_examples=2000 if NIGHTLY else 200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int]], int]:
    n = draw(st.integers(1, 14))
    labels = draw(st.integers(1, 5))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, labels - 1),
                                    st.integers(0, n - 1)), max_size=3 * n))
    return n, edges, labels


def _columns(edges: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """Source, target, ordinal (the edge's position) and label columns, as the kernel
    search records them."""
    e = np.array(edges or [(0, 0, 0)], dtype=np.int32)[:len(edges)].reshape(len(edges), 3)
    return e[:, 0], e[:, 2], np.arange(len(edges), dtype=np.int32), e[:, 1]


def _csr(n: int, edges: list[tuple[int, int, int]]) -> Csr:
    """The graph from its edges in the given order (duplicates and all)."""
    return from_edges(n, *_columns(edges))


def _succ(n: int, edges: list[tuple[int, int, int]]) -> list[list[tuple[int, int]]]:
    return [sorted({(a, v) for u2, a, v in edges if u2 == u}) for u in range(n)]


@TIER
@given(graphs(), st.data())
def test_the_same_fair_lasso_on_random_graphs(g: tuple[int, list[tuple[int, int, int]], int],
                                              data: st.DataObject) -> None:
    n, edges, labels = g
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    order = data.draw(st.permutations(range(labels)))
    conds, i = [], 0
    while i < labels:
        k = data.draw(st.integers(1, 2))
        if data.draw(st.booleans()):
            conds.append(Condition(data.draw(st.booleans()), frozenset(order[i:i + k])))
        i += k
    start, keep = data.draw(flags), data.draw(flags)
    accept = data.draw(st.lists(flags, max_size=2))
    initial = sorted(set(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2))))
    csr = _csr(n, edges)
    succ = _succ(n, edges)
    assert csr.lists() == succ
    small = G.sorted_edges(n, *_columns(edges))
    for x, y in zip((csr.bounds, csr.label, csr.dst, csr.ordinal), (small.bounds, small.label, small.dst, small.ordinal)):
        assert x.dtype == y.dtype and x.tolist() == y.tolist()
    for u, (lo, hi) in enumerate(zip(csr.bounds, csr.bounds[1:])):  # the lowest ordinal of each edge
        for a, v, o in zip(csr.label[lo:hi], csr.dst[lo:hi], csr.ordinal[lo:hi]):
            assert o == min(k for k, e in enumerate(edges) if e == (u, a, v))
    cond_of = N.condition_index(conds, labels)
    want = find_fair_lasso(succ, initial, conds, start, keep, accept)
    got = N.find_fair_lasso(csr, initial, conds, cond_of, np.array(start, dtype=bool),
                            np.array(keep, dtype=bool), [np.array(a, dtype=bool) for a in accept])
    assert got == want
    bound = data.draw(st.integers(0, 3))
    ticks = frozenset(data.draw(st.sets(st.integers(0, labels - 1))))
    use = data.draw(st.booleans())
    flags_t = np.zeros(labels, dtype=bool)
    flags_t[sorted(ticks)] = True
    want_b = bounded_violation(succ, initial, start, keep, bound, ticks if use else None)
    got_b = N.bounded_violation(csr, initial, np.array(start, dtype=bool), np.array(keep, dtype=bool), bound,
                                flags_t if use else None)
    assert got_b == want_b
    urgent = N.urgent(csr, conds, ticks, labels)
    assert urgent.lists() == [list(e) for e in L.urgent(succ, conds, ticks)]


def _from_graph(graph_succ: list[list[tuple[int, int]]], n: int) -> Csr:
    edges = [(u, a, v) for u in range(n) for a, v in graph_succ[u]]
    return _csr(n, edges)


@TIER
@given(liveness_spec())
def test_the_same_counterexample_on_random_specs(case: tuple[str, dict[str, int]]) -> None:
    text, faults = case
    model = _model(text, faults)
    graph = reference_graph(model, 5_000)
    ref = Ref(model, graph)
    succ = numbered_succ(model, graph)
    csr = _from_graph(succ, len(graph.states))
    conds = conditions(model)
    for p in model.liveness:
        for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
            env = {q.slot: v for q, v in zip(p.params, values)}
            want = violation(model, p, succ, graph.initial, conds, lambda e, env=env: ref.truth(e, env), 10**6)
            got = L.violation_native(model, p, csr, graph.initial, conds,
                                     lambda e, env=env: np.array(ref.truth(e, env), dtype=bool), 10**6)
            assert got == want, (p.name, text, faults)


def _liveness_models() -> list[Path]:
    out = []
    for path in sorted((ROOT / "models").glob("*.toml")):
        cfg = load_config(path)
        if select_liveness(load_model(cfg), check_options(cfg, resource_limits=False).properties):
            out.append(path)
    return out


@pytest.mark.parametrize("path", _liveness_models(), ids=lambda p: p.stem)
def test_the_same_results_on_the_shipped_models(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(path)
    model, opts = load_model(cfg), check_options(cfg, resource_limits=False)
    python = run_check(model, opts)
    monkeypatch.setattr(G, "NATIVE_FROM", 0)
    native = run_check(model, opts)
    assert python.backend == native.backend == "kernel"
    live = [p for p in python.properties if p.kind == R.LIVENESS]
    assert live
    assert [p for p in native.properties if p.kind == R.LIVENESS] == live
