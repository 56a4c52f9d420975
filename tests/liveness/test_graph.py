"""The labelled state graph of the liveness check, built with a stepper (compiled or
reference), is exactly the graph of the reference semantics: same states in the same
order, same (action, target) edges, same ordinals; and the steppers' ``truth`` agrees
with ``semantics.evaluate`` on every state, run-time errors included."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine.codegen import CompiledStepper, Unsupported
from verifier.engine.liveness import GraphTooLarge, LabelledGraph, build_graph, reference_graph
from verifier.engine.stepper import ReferenceStepper, Stepper
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.testing.strategies import specs

ROOT = Path(__file__).resolve().parents[2]


def steppers(model: M.Model) -> list[Stepper]:
    out: list[Stepper] = [ReferenceStepper(model, ())]
    try:
        out.append(CompiledStepper(model, ()))
    except Unsupported:
        pass
    return out


def same_graph(model: M.Model, stepper: Stepper, got: LabelledGraph, want: LabelledGraph) -> None:
    assert [stepper.decode(s) for s in got.states] == list(want.states)
    assert got.initial == want.initial
    assert got.succ == want.succ
    assert got.ordinal == want.ordinal


def outcome(stepper: Stepper, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
            states: list[Any]) -> object:
    try:
        return stepper.truth(cond, binding, states)
    except sem.EvalError as e:
        return ("error", e.describe())


def reference_outcome(cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
                      states: list[sem.State]) -> object:
    env = {p.slot: v for p, v in binding}
    try:
        return [bool(sem.evaluate(cond, s, env)) for s in states]
    except sem.EvalError as e:
        return ("error", e.describe())


def predicates(model: M.Model, safety: bool = True
               ) -> list[tuple[M.Expr, tuple[tuple[M.Param, Any], ...]]]:
    """Each liveness predicate under each binding, and (``safety``) every invariant's
    and reachable's condition."""
    out: list[tuple[M.Expr, tuple[tuple[M.Param, Any], ...]]] = [
        (p.cond, ()) for p in model.properties if safety]
    for lp in model.liveness:
        for values in itertools.product(*(T.value_list(q.ty) for q in lp.params)):
            binding = tuple(zip(lp.params, values))
            for e in (lp.trigger, lp.goal, lp.keep):
                if e is not None:
                    out.append((e, binding))
    return out


def assert_graphs_agree(model: M.Model, limit: int = 3000, safety: bool = True) -> int:
    try:
        want = reference_graph(model, limit)
    except GraphTooLarge:
        return 0
    for stepper in steppers(model):
        got = build_graph(model, stepper, limit)
        same_graph(model, stepper, got, want)
        reps = list(got.states)
        for cond, binding in predicates(model, safety):
            assert outcome(stepper, cond, binding, reps) == \
                reference_outcome(cond, binding, list(want.states)), type(stepper).__name__
    return len(want.states)


@pytest.mark.parametrize("name", ["triad_nontransitive", "triad_dual_master", "hal_split_brain",
                                  "dsls_last_seat_race"])
def test_shipped_models(name: str) -> None:
    """Liveness predicates only: the safety conditions are compared in tests/engine."""
    model = load_model(load_config(ROOT / "models" / f"{name}.toml"))
    assert assert_graphs_agree(model, 5000, safety=False) > 0


@settings(max_examples=40)
@given(specs())
def test_random_specs(text: str) -> None:
    assert_graphs_agree(check_spec(parse(text, "random.fsl"), text, fault_total=1))


def test_errors_and_parameters() -> None:
    text = """
type K = 0..2
var x: 0..3 = 0
var m: K -> 0..3 = {k: 0 for k in K}
fair action Inc(k: K) { require m[k] < 3  m[k] = m[k] + 1  x = (x + 1) % 4 }
action Oops { require x == 3  x = x // (x - 3) }
liveness L(k: K): m[k] == 1 ~> m[k] == 3 while x != 2
liveness Divides: 6 // (3 - x) > 0 ~> x == 0
"""
    model = check_spec(parse(text, "t.fsl"), text)
    assert assert_graphs_agree(model) > 0
    compiled = CompiledStepper(model, ())
    graph = build_graph(model, compiled, 1000)
    live = {lp.name: lp for lp in model.liveness}
    # x == 3 somewhere: the reference semantics reports division by zero, and so does truth
    err = outcome(compiled, live["Divides"].trigger, (), list(graph.states))
    assert isinstance(err, tuple) and err[0] == "error" and "zero" in str(err[1])
    k = live["L"].params[0]
    assert outcome(compiled, live["L"].goal, ((k, 2),), list(graph.states)) == \
        [s[1][2] == 3 for s in (compiled.decode(r) for r in graph.states)]
