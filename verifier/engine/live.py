"""Stage 5 (explicit, liveness): ``liveness`` properties checked after the search.

The safety search has found every reachable state; the liveness check builds the
labelled state graph (``verifier.liveness.build_graph``, reference semantics, at most
``graph_max_nodes`` states), evaluates the property's three predicates on every state
(for each valuation of its parameters) and looks for a fair lasso
(``verifier.liveness.find_lasso``). A lasso found is replayed through the reference
semantics like every other trace; its ``loop`` says where it repeats.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from verifier import model as M
from verifier import results as R
from verifier import semantics as sem
from verifier import typesys as T
from verifier.engine.options import CheckOptions
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.liveness import GraphTooLarge, LabelledGraph, build_graph, find_lasso


def check_liveness(model: M.Model, props: tuple[M.Liveness, ...], opts: CheckOptions,
                   expect: dict[str, str], *, complete: bool, states: int) -> list[R.PropertyResult]:
    """``states``: how many states the search found (the graph has as many)."""
    def inconclusive(note: str) -> list[R.PropertyResult]:
        return [_result(model, p, R.INCONCLUSIVE, expect, note=note) for p in props]

    if not props:
        return []
    if not complete:
        return inconclusive("the search did not explore every reachable state, so no fair "
                            "cycle can be ruled out")
    if states > opts.graph_max_nodes:
        return inconclusive(f"the state graph has {states:,} states, more than the liveness check "
                            f"stores ({opts.graph_max_nodes:,}): raise [graph] max_nodes in the model")
    try:
        graph = build_graph(model, opts.graph_max_nodes)
    except GraphTooLarge as e:
        return inconclusive(f"{e}: raise [graph] max_nodes in the model to check liveness")
    fair = frozenset(a.index for a in model.actions if a.fair)
    return [_check_one(model, graph, fair, p, expect) for p in props]


def _check_one(model: M.Model, graph: LabelledGraph, fair: frozenset[int], p: M.Liveness,
               expect: dict[str, str]) -> R.PropertyResult:
    for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
        env: dict[int, Any] = {q.slot: v for q, v in zip(p.params, values)}
        try:
            start = [bool(sem.evaluate(p.trigger, s, env)) for s in graph.states]
            goal = [bool(sem.evaluate(p.goal, s, env)) for s in graph.states]
            keep = [not g and (p.keep is None or bool(sem.evaluate(p.keep, s, env)))
                    for s, g in zip(graph.states, goal)]
        except sem.EvalError as err:
            return _result(model, p, R.INCONCLUSIVE, expect,
                           note=f"run-time error while evaluating it: {err.describe()}")
        lasso = find_lasso(graph.succ, graph.initial, fair, start, keep)
        if lasso is None:
            continue
        ordinals = [graph.initial.index(lasso.start)]
        at = lasso.start
        for a, v in lasso.steps:
            ordinals.append(graph.ordinal[at][(a, v)])
            at = v
        trace, last = replay(model, ordinals)
        if last != graph.states[at]:
            raise ReplayMismatch(f"the lasso of {p.name} does not replay to its last state")
        trace = dataclasses.replace(trace, loop=lasso.loop, trigger=lasso.trigger,
                                    stutter=lasso.stutter)
        where = ""
        if p.params:
            shown = ", ".join(f"{q.name} = {R.format_value(T.display(q.ty, v))}"
                              for q, v in zip(p.params, values))
            where = f"for {shown}: "
        how = ("then stays in its last state forever, where no fair action is enabled"
               if lasso.stutter else f"then repeats steps {lasso.loop + 1}..{len(lasso.steps)} forever")
        return _result(model, p, R.VIOLATED, expect, trace=trace,
                       note=f"{where}the trigger holds in state {lasso.trigger}; the goal never "
                            f"holds from there on: the behaviour {how}")
    return _result(model, p, R.HOLDS, expect,
                   note=f"no fair behaviour avoids the goal ({len(graph.states):,} states)")


def _result(model: M.Model, p: M.Liveness, verdict: str, expect: dict[str, str], *,
            trace: R.Trace | None = None, note: str | None = None) -> R.PropertyResult:
    return R.PropertyResult(p.name, R.LIVENESS, verdict, trace, location(model, p.span), p.doc,
                            expect.get(p.name), note)
