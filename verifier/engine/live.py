"""Stage 5 (explicit, liveness): ``liveness`` properties checked after the search.

The safety search has found every reachable state; the liveness check builds the
labelled state graph (``verifier.liveness.build_graph``, with a stepper of the search's
kind: compiled when the spec allows it; at most ``graph_max_nodes`` states), evaluates
the property's three predicates on every state (for each valuation of its parameters)
and looks for a fair lasso
(``verifier.liveness.find_lasso``). A lasso found is replayed through the reference
semantics like every other trace; its ``loop`` says where it repeats.
"""

from __future__ import annotations

import dataclasses
import itertools

from verifier import model as M
from verifier import results as R
from verifier import semantics as sem
from verifier import typesys as T
from verifier.engine import make_stepper
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import Stepper
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.liveness import GraphTooLarge, LabelledGraph, build_graph, find_lasso


def check_liveness(model: M.Model, props: tuple[M.Liveness, ...], opts: CheckOptions,
                   expect: dict[str, str], *, complete: bool, states: int,
                   stepper: Stepper | None = None) -> list[R.PropertyResult]:
    """``states``: how many states the search found (the graph has as many);
    ``stepper``: the search's, reused (its coverage counters keep counting), else a new
    one of the kind ``opts`` asks for."""
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
    if stepper is None:
        stepper = make_stepper(model, (), opts.compiled)
    try:
        graph = build_graph(model, stepper, opts.graph_max_nodes)
    except GraphTooLarge as e:
        return inconclusive(f"{e}: raise [graph] max_nodes in the model to check liveness")
    fair = frozenset(a.index for a in model.actions if a.fair)
    return [_check_one(model, stepper, graph, fair, p, expect) for p in props]


def _check_one(model: M.Model, stepper: Stepper, graph: LabelledGraph, fair: frozenset[int],
               p: M.Liveness, expect: dict[str, str]) -> R.PropertyResult:
    states = list(graph.states)
    for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
        binding = tuple(zip(p.params, values))
        try:
            start = stepper.truth(p.trigger, binding, states)
            goal = stepper.truth(p.goal, binding, states)
            keep = [not g for g in goal]
            if p.keep is not None:
                keep = [k and r for k, r in zip(keep, stepper.truth(p.keep, binding, states))]
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
        if last != stepper.decode(graph.states[at]):
            raise ReplayMismatch(f"the lasso of {p.name} does not replay to its last state")
        trace = dataclasses.replace(trace, loop=lasso.loop, trigger=lasso.trigger,
                                    stutter=lasso.stutter)
        where = ""
        if p.params:
            shown = ", ".join(f"{q.name} = {R.format_value(T.display(q.ty, v))}"
                              for q, v in binding)
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
