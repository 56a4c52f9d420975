"""Stage 5 (liveness): the check of ``liveness`` properties, after a complete search.

Behaviours may stop taking steps (stutter) at any point, unless a fairness condition is
enabled. ``fair action A`` is weak fairness (TLA+'s ``WF``) and ``strong fair action A``
strong fairness (``SF``), for each parameter instance of A by default (``A(P)`` and
``A(S)`` each get their turn), or, with ``fair any``, for A as a whole (some instance
is taken). Fault actions are never fair, and fault budgets make every behaviour's
faults finite.

``check_liveness`` takes the labelled state graph the search kept (the kernel engine's),
or builds it with the search's stepper (``graph.py``: as large as the memory limit, or
most of the machine's available memory, allows; at most ``graph_max_nodes`` states
when set), evaluates the property's state predicates on
every state (for each valuation of its parameters) and looks for a violating fair
behaviour: for ``P ~> Q while R`` and ``always eventually Q`` a fair lasso that stays in
states where Q is false (``fair.py``); for ``eventually always Q`` one whose cycle passes
a state where Q is false; for a bound ``within K``, a path that counts past K
(``bounded.py``); for an LTL formula, a fair lasso of the product with the automaton of
its negation (``ltl.py``). A counterexample is replayed through the reference semantics
like every other trace; its ``loop`` says where it repeats. A limit gives inconclusive,
never holds.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier import results as R
from verifier.engine.explicit import Clock, eta, rss_mb
from verifier.engine.liveness import csr as G
from verifier.engine.liveness.bounded import bounded_violation
from verifier.engine.liveness.csr import Csr
from verifier.engine.liveness.fair import STUTTER, Condition, find_fair_lasso, with_stutter
from verifier.engine.liveness.graph import GraphTooLarge, LabelledGraph, build_graph
from verifier.engine.liveness.ltl import FormulaTooLarge, atoms, automaton, negate, product, project
from verifier.engine.options import CheckOptions
from verifier.engine.select import make_stepper
from verifier.engine.stepper import Stepper, instance_bases
from verifier.engine.trace import ReplayMismatch, location, replay
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

PRODUCT_STATES = 100_000  # an LTL product's least room, without a state cap


@dataclass(frozen=True, slots=True)
class Violation:
    """A counterexample on the graph: ``steps`` are (instance number, state id) from the
    initial state ``start``; ``loop``/``stutter`` as in ``fair.Lasso`` (``loop`` None: a
    finite path, for a bound); ``trigger``: where the leads-to's trigger holds."""

    start: int
    steps: tuple[tuple[int, int], ...]
    trigger: int | None
    loop: int | None
    stutter: bool


def conditions(model: M.Model) -> list[Condition]:
    """The fairness conditions of the model's actions, on instance numbers."""
    bases = instance_bases(model)
    out = []
    for a in model.actions:
        if not a.fair:
            continue
        ids = range(bases[a.index], bases[a.index + 1])
        if a.whole:
            out.append(Condition(a.strong, frozenset(ids)))
        else:
            out += [Condition(a.strong, frozenset((i,))) for i in ids]
    return out


def numbered_succ(model: M.Model, graph: LabelledGraph) -> list[list[tuple[int, int]]]:
    """The graph's edges as (instance number, target)."""
    bases = instance_bases(model)
    if graph.csr is not None:
        return graph.csr.lists()
    return [sorted({(bases[a] + k, v) for a, k, v in edges}) for edges in graph.succ]


def violation(model: M.Model, p: M.Liveness, succ: Sequence[Sequence[tuple[int, int]]],
              initial: Sequence[int], conds: Sequence[Condition],
              truth: Any, limit: int) -> Violation | None:
    """The shortest-first counterexample to ``p`` (one parameter valuation, its state
    predicates given by ``truth(expr) -> list[bool]``), or None when it holds."""
    n = len(succ)
    if p.form == "ltl":
        assert p.formula is not None
        neg = negate(p.formula)
        atom_list = atoms(neg)
        values = [truth(a) for a in atom_list]
        aut = automaton(neg, atom_list)
        labels = [frozenset(a for a, _ in e) for e in succ]
        full = with_stutter(succ, conds, labels)
        pr = product(full, initial, values, aut, limit)
        plabels = [labels[s] for s, _ in pr.pairs]
        m = len(pr.pairs)
        lasso = find_fair_lasso(pr.succ, pr.initial, conds, [True] * m, [True] * m,
                                pr.accept or [[True] * m], labels=plabels)
        if lasso is None:
            return None
        s0, steps, loop, stutter = project(pr, lasso.start, lasso.steps, lasso.loop, lasso.stutter)
        return Violation(s0, tuple(steps), None, loop, stutter)
    goal = truth(p.goal)
    ticks = None
    if p.tick is not None:
        bases = instance_bases(model)
        ticks = frozenset(range(bases[p.tick], bases[p.tick + 1]))
        succ = urgent(succ, conds, ticks)
    if p.form == "persistence":
        every = [True] * n
        lasso = find_fair_lasso(succ, initial, conds, every, every, [[not g for g in goal]])
        return None if lasso is None else Violation(lasso.start, lasso.steps, None, lasso.loop,
                                                    lasso.stutter)
    start = truth(p.trigger)
    keep = [not g for g in goal]
    if p.keep is not None:
        keep = [k and r for k, r in zip(keep, truth(p.keep))]
    lasso = find_fair_lasso(succ, initial, conds, start, keep)
    if lasso is not None:
        trigger = lasso.trigger if p.form == "leadsto" else None
        return Violation(lasso.start, lasso.steps, trigger, lasso.loop, lasso.stutter)
    if p.bound is None:
        return None
    found = bounded_violation(succ, initial, start, keep, p.bound, ticks)
    if found is None:
        return None
    first, steps, trig = found
    return Violation(first, tuple(steps), trig, None, False)


def urgent(succ: Sequence[Sequence[tuple[int, int]]], conds: Sequence[Condition],
           ticks: frozenset[int]) -> list[list[tuple[int, int]]]:
    """The graph for a bound in ticks: the other fair actions are urgent (maximal
    progress), so no tick is taken in a state where one of them is enabled."""
    hurry = frozenset().union(*(c.labels for c in conds)) - ticks
    out = []
    for edges in succ:
        late = any(a in hurry for a, _ in edges)
        out.append([(a, v) for a, v in edges if not (late and a in ticks)])
    return out


def violation_native(model: M.Model, p: M.Liveness, g: Csr, initial: Sequence[int],
                     conds: Sequence[Condition], truth: Any, limit: int) -> Violation | None:
    """``violation`` on a graph in arrays, ``truth(expr)`` giving a boolean array: the
    same counterexample, found by ``native.py``'s passes (an LTL formula's product is
    built on lists, by ``violation``)."""
    from verifier.engine.liveness import native as N

    bases = instance_bases(model)
    cond_of = N.condition_index(conds, bases[-1])
    if p.form == "ltl" or cond_of is None:
        return violation(model, p, g.lists(), initial, conds, lambda e: truth(e).tolist(), limit)
    goal = truth(p.goal)
    tick_flags = None
    if p.tick is not None:
        ticks = frozenset(range(bases[p.tick], bases[p.tick + 1]))
        g = N.urgent(g, conds, ticks, bases[-1])
        tick_flags = np.zeros(max(1, bases[-1]), dtype=np.bool_)
        tick_flags[bases[p.tick]:bases[p.tick + 1]] = True
    if p.form == "persistence":
        every = np.ones(g.n, dtype=np.bool_)
        lasso = N.find_fair_lasso(g, initial, conds, cond_of, every, every, [~goal])
        return None if lasso is None else Violation(lasso.start, lasso.steps, None, lasso.loop,
                                                    lasso.stutter)
    start = truth(p.trigger)
    keep = ~goal
    if p.keep is not None:
        keep = keep & truth(p.keep)
    lasso = N.find_fair_lasso(g, initial, conds, cond_of, start, keep)
    if lasso is not None:
        trigger = lasso.trigger if p.form == "leadsto" else None
        return Violation(lasso.start, lasso.steps, trigger, lasso.loop, lasso.stutter)
    if p.bound is None:
        return None
    found = N.bounded_violation(g, initial, start, keep, p.bound, tick_flags)
    if found is None:
        return None
    first, steps, trig = found
    return Violation(first, tuple(steps), trig, None, False)


def check_liveness(model: M.Model, props: tuple[M.Liveness, ...], opts: CheckOptions,
                   expect: dict[str, str], *, complete: bool, states: int,
                   stepper: Stepper | None = None,
                   graph: LabelledGraph | None = None, lift: Any = None,
                   native_from: int | None = None) -> list[R.PropertyResult]:
    """``states``: how many states the search found (the graph has as many);
    ``stepper``: the search's, reused (its coverage counters keep counting), else a new
    one of the kind ``opts`` asks for; ``graph``: the state graph when the search kept it
    (an engine that records its edges, each with its instance: ``graph.LabelledGraph``;
    ``stepper`` then answers ``truth`` and ``decode`` for its states); ``lift``: for a
    graph of canonical states (symmetry reduction), turns a lasso's ordinals and loop
    into a real one's (``verifier.engine.symmetry.Lifter.lasso``); ``native_from``: the
    states from which a graph kept in arrays is searched by ``native.py`` (default
    ``csr.NATIVE_FROM``; below it, the Python search is quicker than compiling it on a first run)."""
    def inconclusive(note: str) -> list[R.PropertyResult]:
        return inconclusive_results(model, props, expect, note)

    if not props:
        return []
    if not complete:
        return inconclusive("the search did not explore every reachable state, so no fair "
                            "cycle can be ruled out")
    cap = opts.graph_max_nodes
    if cap is not None and states > cap:
        return inconclusive(f"the state graph has {states:,} states, more than the liveness check "
                            f"may store ({cap:,}): raise --graph-max-nodes or [graph] max_nodes")
    clock = Clock(opts)
    if graph is not None and stepper is not None:
        clock.show(f"liveness: the state graph ({states:,} states) kept by the search, for "
                   f"{', '.join(p.name for p in props)}", now=True)
    else:
        if stepper is None:
            stepper = make_stepper(model, (), opts.compiled)
        budget, why = memory_budget(opts)
        clock.show(f"liveness: building the state graph ({states:,} states) for "
                   f"{', '.join(p.name for p in props)}", now=True)

        def progress(k: int) -> None:
            rate = k / max(1e-9, clock.elapsed())
            clock.show(f"liveness: state graph {k:,} of {states:,} states ({100 * k // max(1, states)}%), "
                       f"about {eta((states - k) / rate)} left")

        try:
            graph = build_graph(model, stepper, cap, memory_mb=budget, progress=progress)
        except GraphTooLarge as e:
            return inconclusive(f"{e}: {why}")
        finally:
            clock.done()
    native = graph.csr is not None and len(graph.states) >= (G.NATIVE_FROM if native_from is None else native_from)
    succ = [] if native else numbered_succ(model, graph)
    conds = conditions(model)
    # the product of an LTL formula may hold several copies of each state
    limit = max(cap or PRODUCT_STATES, 4 * len(graph.states))
    out = []
    for p in props:
        clock.show(f"liveness: looking for a fair behaviour that violates {p.name}", now=True)
        out.append(_check_one(model, stepper, graph, succ, conds, p, expect, limit, lift, native))
    clock.done()
    return out


def memory_budget(opts: CheckOptions) -> tuple[float | None, str]:
    """The memory the liveness graph may grow into (MiB; None: unknown, no cap) and what
    to do when it is not enough: ``--memory-limit`` when given, else most of the memory
    the machine has available now."""
    if opts.max_memory_mb is not None:
        return float(opts.max_memory_mb), "raise --memory-limit ([limits] memory) to check liveness"
    try:
        with open("/proc/meminfo") as f:
            fields = dict(line.split(":", 1) for line in f)
        available = int(fields["MemAvailable"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None, ""
    return rss_mb() + 0.8 * available, "the machine has no more memory available; shrink the model's constants"


def inconclusive_results(model: M.Model, props: tuple[M.Liveness, ...], expect: dict[str, str],
                         note: str) -> list[R.PropertyResult]:
    return [_result(model, p, R.INCONCLUSIVE, expect, note=note) for p in props]


def _check_one(model: M.Model, stepper: Stepper, graph: LabelledGraph,
               succ: list[list[tuple[int, int]]], conds: list[Condition], p: M.Liveness,
               expect: dict[str, str], limit: int, lift: Any = None,
               native: bool = False) -> R.PropertyResult:
    states = list(graph.states)
    whole = getattr(stepper, "truth_array", None)
    for values in itertools.product(*(T.value_list(q.ty) for q in p.params)):
        binding = tuple(zip(p.params, values))

        def truth(e: M.Expr, binding: tuple[tuple[M.Param, Any], ...] = binding) -> list[bool]:
            return stepper.truth(e, binding, states)

        def truth_array(e: M.Expr, binding: tuple[tuple[M.Param, Any], ...] = binding) -> Any:
            if whole is not None:
                return whole(e, binding)
            return np.array(stepper.truth(e, binding, states), dtype=np.bool_)
        try:
            if native:
                assert graph.csr is not None
                found = violation_native(model, p, graph.csr, graph.initial, conds, truth_array, limit)
            else:
                found = violation(model, p, succ, graph.initial, conds, truth, limit)
        except sem.EvalError as err:
            return _result(model, p, R.INCONCLUSIVE, expect,
                           note=f"run-time error while evaluating it: {err.describe()}")
        except FormulaTooLarge as err:
            return _result(model, p, R.INCONCLUSIVE, expect,
                           note=f"{err}: raise [graph] max_nodes in the model, or simplify it")
        if found is None:
            continue
        trace = _replay(model, stepper, graph, p, found, lift)
        where = ""
        if p.params:
            shown = ", ".join(f"{q.name} = {R.format_value(T.display(q.ty, v))}"
                              for q, v in binding)
            where = f"for {shown}: "
        return _result(model, p, R.VIOLATED, expect, trace=trace,
                       note=where + _story(model, p, found, len(trace.steps)))
    return _result(model, p, R.HOLDS, expect,
                   note=f"no fair behaviour violates it ({len(graph.states):,} states)")


def _replay(model: M.Model, stepper: Stepper, graph: LabelledGraph, p: M.Liveness,
            found: Violation, lift: Any = None) -> R.Trace:
    bases = instance_bases(model)
    action_of = [a for a in range(len(model.actions)) for _ in range(bases[a + 1] - bases[a])]
    ordinals = [graph.initial.index(found.start)]
    at = found.start
    for gid, v in found.steps:
        assert gid != STUTTER
        a = action_of[gid]
        ordinals.append(graph.ordinal[at][(a, gid - bases[a], v)])
        at = v
    loop = found.loop
    if lift is not None:  # canonical states: the real lasso they stand for (it re-checks itself)
        ordinals, loop = lift(ordinals, loop)
        trace, last = replay(model, ordinals)
    else:
        trace, last = replay(model, ordinals)
        if last != stepper.decode(graph.states[at]):
            raise ReplayMismatch(f"the counterexample of {p.name} does not replay to its last state")
    return dataclasses.replace(trace, loop=loop, trigger=found.trigger, stutter=found.stutter)


def _story(model: M.Model, p: M.Liveness, v: Violation, n: int) -> str:
    if v.loop is None:
        unit = "steps" if p.tick is None else f"ticks of {model.actions[p.tick].name}"
        return (f"the trigger holds in state {v.trigger}; the goal has not held when the bound "
                f"of {p.bound} {unit} has passed (state {n})")
    how = ("then stays in its last state forever, where no fairness condition is enabled"
           if v.stutter else f"then repeats steps {v.loop + 1}..{n} forever")
    if p.form == "leadsto":
        return f"the trigger holds in state {v.trigger}; the goal never holds from there on: " \
               f"the behaviour {how}"
    if p.form == "infinitely":
        return f"the condition never holds from state {v.loop} on: the behaviour {how}"
    if p.form == "persistence":
        return f"the condition is false again and again: the behaviour {how}, through a " \
               "state where it is false"
    return f"a fair behaviour violates the formula: it {how}"


def _result(model: M.Model, p: M.Liveness, verdict: str, expect: dict[str, str], *,
            trace: R.Trace | None = None, note: str | None = None) -> R.PropertyResult:
    return R.PropertyResult(p.name, R.LIVENESS, verdict, trace, location(model, p.span), p.doc,
                            expect.get(p.name), note)
