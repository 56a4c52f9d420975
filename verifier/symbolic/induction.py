"""Stage 5 (symbolic): inductive invariants, ``run_induction(model, options) -> CheckResult``.

Per invariant P: initiation (``Init(s) => P(s)``) and consecution (``P(s) and T(s, t)
=> P(t)``), where ``s`` satisfies the variable domains and the spec's constraints (a
state outside a constraint has no successors, as in the explicit engine). Invariants
are proved *together*: the Houdini loop starts from every invariant of the spec that
passes initiation, assumes all of them in ``s`` and drops each one that does not
follow in ``t``, until the rest is inductive as a whole. Every invariant left is
proved; the unsat core of its consecution names the invariants its proof used (users
add helper invariants to the spec until the conjunction is inductive).

An invariant that fails has a counterexample to induction (CTI): a step from a state
satisfying the proved invariants and P to one violating P. It is a real violation
only if that pre-state is reachable: the explicit engine answers when the model is
small enough (``reach.state_reachability``); then bounded model checking produces the
shortest counterexample (exit 1). An unreachable pre-state means "true, perhaps, but not
inductive" (inconclusive, exit 3), and so does an unknown one.
"""

from __future__ import annotations

import z3

from verifier import model as M
from verifier import results as R
from verifier.symbolic import values as V
from verifier.symbolic.common import (
    Clock,
    fire_condition,
    holds_condition,
    make_result,
    make_solver,
    prop_result,
    select,
)
from verifier.symbolic.options import BMC, ProveOptions
from verifier.symbolic.reach import REACHABLE, UNREACHABLE, state_reachability
from verifier.symbolic.solver import SAT, UNKNOWN, UNSAT, Solver
from verifier.symbolic.traces import Path, decode_path, replay
from verifier.symbolic.transition import System


class Houdini:
    """The largest inductive subset of the candidate invariants (and why the others fail)."""

    def __init__(self, model: M.Model, system: System, timeout: float) -> None:
        self.model = model
        self.system = system
        self.solver: Solver = make_solver(model, timeout, cores=True)
        self.pre, self.post = system.state("pre"), system.state("post")
        self.step = system.step(self.pre, self.post, "cti")
        self.lits = {p.name: z3.Bool(f"assume:{p.name}") for p in model.invariants}
        self.initial_bad: dict[str, Path] = {}   # violated in an initial state
        self.unknown: dict[str, str] = {}
        self.proved: list[M.Property] = []
        self.used: dict[str, tuple[str, ...]] = {}

    def run(self) -> None:
        system, solver = self.system, self.solver
        cands = list(self.model.invariants)
        init, _ = system.init(self.pre)
        with solver.frame():
            solver.add(system.domain(self.pre), init)
            for p in list(cands):
                with solver.frame():
                    solver.add(fire_condition(system, p, self.pre))
                    out = solver.check()
                if out.status != UNSAT:
                    cands.remove(p)
                    if out.status == SAT:
                        self.initial_bad[p.name] = decode_path(self.model, [self.pre], [], out.model)
                    else:
                        self.unknown[p.name] = f"initiation: solver unknown ({out.reason})"
        solver.add(system.domain(self.pre), system.domain(self.post), self.step.trans)
        for p in self.model.invariants:
            solver.add(V.implies(self.lits[p.name], holds_condition(system, p, self.pre)))
        while True:
            dropped = False
            for p in list(cands):
                with solver.frame():
                    solver.add(fire_condition(system, p, self.post))
                    out = solver.check(*[self.lits[q.name] for q in cands])
                if out.status == UNSAT:
                    names = {str(c) for c in out.core}
                    self.used[p.name] = tuple(q.name for q in cands if str(self.lits[q.name]) in names)
                    continue
                cands.remove(p)
                dropped = True
                if out.status == UNKNOWN:
                    self.unknown[p.name] = f"consecution: solver unknown ({out.reason})"
            if not dropped:
                break
        self.proved = cands

    def cti(self, p: M.Property) -> tuple[str, Path | None]:
        """A step from a state satisfying the proved invariants and ``p`` to one violating ``p``."""
        lits = [self.lits[q.name] for q in self.proved] + [self.lits[p.name]]
        with self.solver.frame():
            self.solver.add(fire_condition(self.system, p, self.post))
            out = self.solver.check(*lits)
        if out.status != SAT:
            return out.status, None
        return SAT, decode_path(self.model, [self.pre, self.post], [self.step.vars], out.model)


def run_induction(model: M.Model, opts: ProveOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    clock = Clock()
    system = System(model)
    h = Houdini(model, system, opts.timeout)
    h.run()
    proved = {p.name for p in h.proved}
    results: list[R.PropertyResult] = []
    for p in select(model, opts.properties, ("invariant",)):
        if p.name in proved:
            helpers = [n for n in h.used.get(p.name, ()) if n != p.name]
            note = "inductive" + (f" with {', '.join(helpers)}" if helpers else " on its own")
            results.append(prop_result(model, p, R.HOLDS, note=note, expect=expect))
        elif p.name in h.initial_bad:
            trace = replay(model, h.initial_bad[p.name])
            results.append(prop_result(model, p, R.VIOLATED, trace=trace, expect=expect,
                                       note="false in an initial state"))
        elif p.name in h.unknown:
            results.append(prop_result(model, p, R.INCONCLUSIVE, note=h.unknown[p.name], expect=expect))
        else:
            results.append(_refute(model, h, p, opts, expect))
    warnings = [f"reachable {p.name} is not checked by induction (use --bmc)"
                for p in select(model, opts.properties, ("reachable",))]
    return make_result(model, "induction", results, complete=True, stop_reason=None, depth=1,
                       seconds=clock.seconds(), warnings=tuple(warnings))


def _refute(model: M.Model, h: Houdini, p: M.Property, opts: ProveOptions,
            expect: dict[str, str] | None) -> R.PropertyResult:
    status, path = h.cti(p)
    if path is None:
        return prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                           note=f"not proved; no counterexample to induction either (solver {status})")
    cti = replay(model, path, initial=False)
    helpers = [q.name for q in h.proved if q.name != p.name]
    base = (f"not inductive (with {', '.join(helpers)})" if helpers else "not inductive") + \
        ": a step from a state where it holds to one where it fails"
    reach = state_reachability(model, path.states[0], opts.reach_limit)
    if reach.answer == REACHABLE:
        from dataclasses import replace

        from verifier.symbolic.bmc import run_bmc

        bmc = run_bmc(model, replace(opts, mode=BMC, depth=reach.depth + 1, properties=(p.name,)))
        found = next((r for r in bmc.properties if r.name == p.name and r.verdict == R.VIOLATED), None)
        if found is not None and found.trace is not None:
            return prop_result(model, p, R.VIOLATED, trace=found.trace, expect=expect,
                               note=f"{base}; its pre-state is reachable, so the invariant is violated "
                                    "(shortest counterexample shown)")
        return prop_result(model, p, R.INCONCLUSIVE, trace=cti, expect=expect,
                           note=f"{base}; its pre-state is reachable in {reach.depth} steps but bounded "
                                "search did not confirm a violation (solver limits)")
    if reach.answer == UNREACHABLE:
        return prop_result(model, p, R.INCONCLUSIVE, trace=cti, expect=expect,
                           note=f"{base}; the pre-state of this step is unreachable (the explicit "
                                "search finished without meeting it): add a helper invariant that "
                                "excludes it, or try --kinduction")
    return prop_result(model, p, R.INCONCLUSIVE, trace=cti, expect=expect,
                       note=f"{base}; whether its pre-state is reachable is unknown ({reach.why})")
