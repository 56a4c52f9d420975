"""Stage 5 (symbolic): the Houdini loop, shared by every proof mode.

From candidate invariants that pass initiation (``Init(s) => P(s)``), assume all of
them in ``s`` and drop each one that does not follow in ``t`` after a step (``P(t)``),
until what is left is inductive as a whole. Every candidate left holds in every
reachable state; the unsat core of its consecution names the candidates its proof
used. The default candidates are the spec's invariants; a ``reachable`` enters as its
negation (``negated``), and proving that shows it unreachable.
"""

from __future__ import annotations

import z3

from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.symbolic import values as V
from verifier.symbolic.common import fire_condition, holds_condition, make_solver
from verifier.symbolic.solver import SAT, UNKNOWN, UNSAT, Solver
from verifier.symbolic.traces import Path, decode_path
from verifier.symbolic.transition import System


def negated(p: M.Property) -> M.Property:
    """``reachable R`` as the candidate invariant ``not R``: proving it shows R unreachable."""
    return M.Property("invariant", p.name, p.doc, M.EUnary("not", p.cond, T.BOOL), p.span)


class Houdini:
    """The largest inductive subset of the candidate invariants (by default the spec's
    invariants), and why the others fail."""

    def __init__(self, model: M.Model, system: System, timeout: float,
                 candidates: tuple[M.Property, ...] | None = None, *, minimize: bool = True) -> None:
        self.model = model
        self.timeout = timeout
        self.minimize = minimize
        self.candidates = model.invariants if candidates is None else candidates
        self.system = system
        self.solver: Solver = make_solver(model, timeout, cores=True)
        self.pre, self.post = system.state("pre"), system.state("post")
        self.step = system.step(self.pre, self.post, "cti")
        self.lits = {p.name: z3.Bool(f"assume:{p.name}") for p in self.candidates}
        self.initial_bad: dict[str, Path] = {}   # violated in an initial state
        self.unknown: dict[str, str] = {}
        self.proved: list[M.Property] = []
        self.used: dict[str, tuple[str, ...]] = {}

    def run(self) -> None:
        system, solver = self.system, self.solver
        cands = list(self.candidates)
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
        for p in self.candidates:
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
        if self.minimize:
            for p in cands:
                self.used[p.name] = self._minimal(p, self.used.get(p.name, ()))

    def _minimal(self, p: M.Property, core: tuple[str, ...]) -> tuple[str, ...]:
        """Drop, one at a time, the invariants ``p``'s consecution does not need (the
        solver's core is small but not minimal)."""
        need = list(core)
        for name in list(core):
            if name == p.name or len(need) <= 1:
                continue
            trial = [n for n in need if n != name]
            with self.solver.frame():
                self.solver.add(fire_condition(self.system, p, self.post))
                out = self.solver.check(*[self.lits[n] for n in trial], timeout=min(self.timeout, 10.0))
            if out.status == UNSAT:
                need = trial
        return tuple(need)

    def cti(self, p: M.Property) -> tuple[str, Path | None]:
        """A step from a state satisfying the proved invariants and ``p`` to one violating ``p``."""
        lits = [self.lits[q.name] for q in self.proved] + [self.lits[p.name]]
        with self.solver.frame():
            self.solver.add(fire_condition(self.system, p, self.post))
            out = self.solver.check(*lits)
        if out.status != SAT:
            return out.status, None
        return SAT, decode_path(self.model, [self.pre, self.post], [self.step.vars], out.model)

    def error_free(self) -> bool:
        """No action can fail with a run-time error in a state satisfying the proved
        invariants (so none can in a reachable state)."""
        err = self.system.step(self.pre, None, "cti-err").error
        with self.solver.frame():
            self.solver.add(err)
            out = self.solver.check(*[self.lits[q.name] for q in self.proved])
        return out.status == UNSAT
