"""Stage 5 (symbolic): k-induction, ``run_kinduction(model, options) -> CheckResult``.

For properties that are true but not 1-inductive. For k = 1, 2, ..., K and each open
invariant P:

- base case: P holds in every state reachable in fewer than k steps (bounded model
  checking, shared by all properties; a hit is a real, shortest counterexample);
- step case: no loop-free path ``t0 .. tk`` with P in ``t0 .. tk-1`` and not in ``tk``,
  where every ``ti`` also satisfies the invariants Houdini proved 1-inductive (sound
  strengthening: they hold in every reachable state).

An invariant is proved at the first k whose step case is unsatisfiable. At K it stays
inconclusive, with the step-case path (which may start in an unreachable state) as its
trace.
"""

from __future__ import annotations

from dataclasses import replace

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic import values as V
from verifier.symbolic.bmc import Unrolling
from verifier.symbolic.common import (
    INTERRUPTED,
    Clock,
    fire_condition,
    holds_condition,
    make_result,
    make_solver,
    prop_result,
    select,
)
from verifier.symbolic.errors import SymbolicMismatch
from verifier.symbolic.houdini import Houdini
from verifier.symbolic.options import ProveOptions
from verifier.symbolic.solver import SAT, UNKNOWN, UNSAT, Solver
from verifier.symbolic.state import SymState
from verifier.symbolic.traces import decode_path, fires, replay
from verifier.symbolic.transition import StepVars, System


class _Chain:
    """The step case's path ``t0 .. tk`` for one property, extended one step at a time."""

    def __init__(self, model: M.Model, system: System, p: M.Property, lemmas: list[M.Property],
                 timeout: float) -> None:
        self.model, self.system, self.p, self.lemmas = model, system, p, lemmas
        self.solver: Solver = make_solver(model, timeout)
        self.tag = f"k.{p.name}."
        t0 = system.state(self.tag + "0")
        self.states: list[SymState] = [t0]
        self.steps: list[StepVars] = []
        self.solver.add(system.domain(t0), *[holds_condition(system, q, t0) for q in lemmas])

    def extend(self) -> None:
        """Assume P in the last state and add one more step."""
        system, cur = self.system, self.states[-1]
        k = len(self.steps)
        nxt = system.state(f"{self.tag}{k + 1}")
        step = system.step(cur, nxt, f"{self.tag}{k}")
        self.solver.add(holds_condition(system, self.p, cur), system.domain(nxt), step.trans,
                        *[holds_condition(system, q, nxt) for q in self.lemmas])
        self.solver.add(V.and_all(V.not_(system.same_state(nxt, s)) for s in self.states))
        self.states.append(nxt)
        self.steps.append(step.vars)

    def check(self) -> tuple[str, str | None, object]:
        with self.solver.frame():
            self.solver.add(fire_condition(self.system, self.p, self.states[-1]))
            out = self.solver.check()
        return out.status, out.reason, out.model


def run_kinduction(model: M.Model, opts: ProveOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    clock = Clock()
    targets = select(model, opts.properties, ("invariant",))
    verdicts: dict[str, R.PropertyResult] = {}
    try:
        _prove(model, opts, expect, targets, verdicts)
    except KeyboardInterrupt:  # Ctrl-C: what is decided stands, the rest is inconclusive
        results = [verdicts.get(p.name) or prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                                       note="interrupted") for p in targets]
        return make_result(model, "k-induction", results, complete=False, stop_reason=INTERRUPTED,
                           depth=opts.depth, seconds=clock.seconds())
    results = [verdicts[p.name] for p in targets]
    warnings = tuple(f"reachable {p.name} is not checked by k-induction (use --bmc)"
                     for p in select(model, opts.properties, ("reachable",)))
    return make_result(model, "k-induction", results, complete=True, stop_reason=None,
                       depth=opts.depth, seconds=clock.seconds(), warnings=warnings)


def _prove(model: M.Model, opts: ProveOptions, expect: dict[str, str] | None,
           targets: tuple[M.Property, ...], verdicts: dict[str, R.PropertyResult]) -> None:
    """Houdini, then k-induction for k = 1..depth on what it left open, into ``verdicts``."""
    system = System(model)
    h = Houdini(model, system, opts.timeout, minimize=False)
    h.run()
    lemmas = list(h.proved)
    for p in targets:
        if p.name in {q.name for q in lemmas}:
            verdicts[p.name] = prop_result(model, p, R.HOLDS, expect=expect, note="1-inductive")
        elif p.name in h.unknown:
            verdicts[p.name] = prop_result(model, p, R.INCONCLUSIVE, expect=expect, note=h.unknown[p.name])
    open_ = [p for p in targets if p.name not in verdicts]
    base = Unrolling(system, make_solver(model, opts.timeout))
    chains = {p.name: _Chain(model, system, p, lemmas, opts.timeout) for p in open_}
    last_cti: dict[str, R.Trace] = {}
    for k in range(1, opts.depth + 1):
        if not open_:
            break
        # base case: no violation at depth k - 1
        if k > 1:
            base.extend()
        for p in list(open_):
            with base.solver.frame():
                base.solver.add(fire_condition(system, p, base.states[-1]))
                out = base.solver.check()
            if out.status == SAT:
                path = decode_path(model, base.states, base.steps, out.model)
                trace = replay(model, path)
                if not fires(p, path.states[-1]):
                    raise SymbolicMismatch(f"the solver's last state does not make {p.name} fire")
                verdicts[p.name] = prop_result(model, p, R.VIOLATED, trace=trace, expect=expect,
                                               note=f"base case of {k}-induction fails")
                open_.remove(p)
            elif out.status == UNKNOWN:
                verdicts[p.name] = prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                               note=f"base case k={k}: solver unknown ({out.reason})")
                open_.remove(p)
        # step case
        for p in list(open_):
            chain = chains[p.name]
            chain.extend()
            status, reason, zmodel = chain.check()
            if status == UNSAT:
                verdicts[p.name] = prop_result(model, p, R.HOLDS, expect=expect, note=f"{k}-inductive"
                                               + (f" with {', '.join(q.name for q in lemmas)}" if lemmas else ""))
                open_.remove(p)
            elif status == UNKNOWN:
                verdicts[p.name] = prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                               note=f"step case k={k}: solver unknown ({reason})")
                open_.remove(p)
            else:
                assert status == SAT
                path = decode_path(model, chain.states, chain.steps, zmodel)
                last_cti[p.name] = replay(model, path, initial=False)
    for p in open_:
        verdicts[p.name] = replace(
            prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                        note=f"not {opts.depth}-inductive: the counterexample to induction is a loop-free "
                             f"path of {opts.depth} steps where it holds until the last state (it may "
                             "start in an unreachable state)"),
            cti=last_cti.get(p.name))
