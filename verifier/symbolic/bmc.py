"""Stage 5 (symbolic): bounded model checking, ``run_bmc(model, options) -> CheckResult``.

One incremental solver holds the unrolling ``Init(s0) and T(s0, s1) and ... T(sd-1, sd)``;
at each depth ``d`` (0, 1, ..., K) every still-open property is asked in a push/pop
frame whether it fires in ``sd`` (first all of them together, then one by one when
something fires), and whether an action fails with a run-time error in ``sd``. Depths
grow one at a time, so the first hit is a shortest counterexample, as long as the
explicit engine's breadth-first one. Each hit is decoded, replayed through the reference
semantics (``traces.replay``) and returned as a trace.

Completeness: after depth ``d`` the solver is asked for a loop-free path of ``d + 1``
steps; if there is none, every reachable state has been seen within ``d`` steps, so
the invariants not violated hold and the reachables not reached are vacuous, exactly
as a finished explicit search says. Otherwise properties still open at ``K`` are
inconclusive ("no violation within K steps").
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic import values as V
from verifier.symbolic.common import (
    INTERRUPTED,
    Clock,
    fire_condition,
    holds_condition,
    make_result,
    make_solver,
    prop_result,
    runtime_result,
    select,
)
from verifier.symbolic.errors import ModelProblem, SymbolicMismatch
from verifier.symbolic.houdini import Houdini, negated
from verifier.symbolic.options import ProveOptions
from verifier.symbolic.solver import SAT, UNKNOWN, UNSAT, Solver
from verifier.symbolic.state import SymState
from verifier.symbolic.traces import decode_path, fires, replay
from verifier.symbolic.transition import StepVars, System


class Unrolling:
    """The incremental unrolling of a system from its initial states; ``lemmas`` are
    proved invariants, asserted in every state (they cut no reachable state)."""

    def __init__(self, system: System, solver: Solver, lemmas: tuple[M.Property, ...] = ()) -> None:
        self.system = system
        self.solver = solver
        self.lemmas = lemmas
        s0 = system.state("0")
        init, init_err = system.init(s0)
        solver.add(system.domain(s0))
        with solver.frame():
            solver.add(init_err)
            bad = solver.check()
        if bad.status == SAT:
            raise ModelProblem("run-time error in an initial state (evaluating an `init` condition)",
                               "fix the `init` conditions")
        solver.add(init, *[holds_condition(system, q, s0) for q in lemmas])
        self.states: list[SymState] = [s0]
        self.steps: list[StepVars] = []
        self.loop_free: list[V.Term] = []  # literal i: state i differs from every earlier one

    @property
    def depth(self) -> int:
        return len(self.steps)

    def extend(self) -> None:
        d = self.depth
        cur, nxt = self.states[-1], self.system.state(str(d + 1))
        step = self.system.step(cur, nxt, str(d))
        self.solver.add(self.system.domain(nxt), step.trans,
                        *[holds_condition(self.system, q, nxt) for q in self.lemmas])
        self.states.append(nxt)
        self.steps.append(step.vars)
        lit = z3.Bool(f"loopfree@{d + 1}")
        self.solver.add(V.implies(lit, V.and_all(V.not_(self.system.same_state(nxt, s))
                                                 for s in self.states[:-1])))
        self.loop_free.append(lit)

    def error_step(self) -> tuple[V.Term, StepVars]:
        """A run-time error in the last state's step (the step is not yet added)."""
        step = self.system.step(self.states[-1], None, str(self.depth))
        return step.error, step.vars


DepthHook = Callable[[int, float], None]


def run_bmc(model: M.Model, opts: ProveOptions, *, expect: dict[str, str] | None = None,
            on_depth: DepthHook | None = None) -> R.CheckResult:
    """Bounded model checking to ``opts.depth``; ``on_depth(d, seconds)`` is told the
    elapsed time when depth ``d`` is finished (for benchmarks)."""
    clock = Clock()
    system = System(model)
    solver = make_solver(model, opts.timeout)
    props = select(model, opts.properties, ("invariant", "reachable"))
    proved: dict[str, str] = {}
    lemmas: tuple[M.Property, ...] = ()
    error_free = False
    found: dict[str, R.Trace] = {}
    unknown: dict[str, str] = {}
    runtime: R.Trace | None = None
    runtime_unknown: str | None = None
    complete = False
    diameter: int | None = None  # the longest loop-free path, once known
    interrupted: int | None = None  # the depth being searched when Ctrl-C came
    reached = 0
    un: Unrolling | None = None
    try:
        if opts.induct:
            h = Houdini(model, system, opts.timeout, model.invariants + tuple(negated(p) for p in model.reachables),
                        minimize=opts.minimize)
            h.run()
            lemmas = tuple(h.proved)
            for q in h.proved:
                helpers = [n for n in h.used.get(q.name, ()) if n != q.name]
                proved[q.name] = "proved inductive" + (f" with {', '.join(helpers)}" if helpers else "")
            error_free = h.error_free()
        un = Unrolling(system, solver, lemmas)
        reached = 0
        for d in range(opts.depth + 1):
            reached = d
            open_ = [p for p in props if p.name not in found and p.name not in unknown and p.name not in proved]
            _check_properties(model, system, un, open_, found, unknown, d)
            if d == opts.depth:
                if on_depth is not None:
                    on_depth(d, clock.seconds())
                break
            if runtime is None and runtime_unknown is None and not error_free:
                err, sv = un.error_step()
                with solver.frame():
                    solver.add(err)
                    out = solver.check()
                if out.status == SAT:
                    path = decode_path(model, un.states, un.steps + [sv], out.model, error=True)
                    runtime = replay(model, path)
                elif out.status == UNKNOWN:
                    runtime_unknown = f"solver unknown at depth {d + 1}: {out.reason}"
            un.extend()
            if opts.completeness:
                out = solver.check(*un.loop_free)
                if out.status == UNSAT:
                    complete = True
                    diameter = d
                    break
            if on_depth is not None:
                on_depth(d, clock.seconds())
            if all(p.name in found or p.name in unknown or p.name in proved for p in props) and (
                    runtime is not None or error_free):
                complete = all(p.name in proved for p in props if p.kind == "invariant") and error_free \
                    and all(p.name in found or p.name in proved for p in props)
                break
    except KeyboardInterrupt:  # what was proved and found stands; the rest is inconclusive
        interrupted = reached
        complete = False
    results = []
    for p in props:
        if p.name in proved:
            verdict = R.HOLDS if p.kind == "invariant" else R.VACUOUS
            note = proved[p.name] if p.kind == "invariant" else f"unreachable: `not {p.name}` is {proved[p.name].removeprefix('proved ')}"
            results.append(prop_result(model, p, verdict, note=note, expect=expect))
        elif p.name in found:
            verdict = R.VIOLATED if p.kind == "invariant" else R.HOLDS
            results.append(prop_result(model, p, verdict, trace=found[p.name], expect=expect))
        elif p.name in unknown:
            results.append(prop_result(model, p, R.INCONCLUSIVE, note=unknown[p.name], expect=expect))
        elif complete:
            verdict = R.HOLDS if p.kind == "invariant" else R.VACUOUS
            results.append(prop_result(model, p, verdict, expect=expect,
                                       note=f"complete: no loop-free path longer than {diameter} steps"))
        elif interrupted is not None:
            results.append(prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                       note=f"interrupted at depth {interrupted}"))
        else:
            what = "no violation" if p.kind == "invariant" else "not reached"
            results.append(prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                       note=f"{what} within {opts.depth} steps"))
    if runtime is not None:
        results.append(runtime_result(runtime, expect))
    warnings = []
    if runtime_unknown is not None:
        warnings.append(f"run-time errors not checked past that point: {runtime_unknown}")
    for r in results:
        if r.verdict == R.VACUOUS:
            warnings.append(f"reachable {r.name} is never reached: the model may be vacuous")
    stop = INTERRUPTED if interrupted is not None else None if complete else f"depth bound ({opts.depth})"
    depth = diameter if diameter is not None else un.depth if un is not None else 0
    return make_result(model, "bmc", results, complete=complete, stop_reason=stop,
                       depth=depth, seconds=clock.seconds(), warnings=tuple(warnings))


def _check_properties(model: M.Model, system: System, un: Unrolling, open_: list[M.Property],
                      found: dict[str, R.Trace], unknown: dict[str, str], d: int) -> None:
    if not open_:
        return
    solver = un.solver
    conds = {p.name: fire_condition(system, p, un.states[-1]) for p in open_}
    if len(open_) > 1:
        with solver.frame():
            solver.add(V.or_all(conds.values()))
            out = solver.check()
        if out.status == UNSAT:
            return
    for p in open_:
        with solver.frame():
            solver.add(conds[p.name])
            out = solver.check()
        if out.status == SAT:
            path = decode_path(model, un.states, un.steps, out.model)
            trace = replay(model, path)
            if not fires(p, path.states[-1]):
                raise SymbolicMismatch(f"the solver's last state does not make {p.name} fire")
            found[p.name] = trace
        elif out.status == UNKNOWN:
            unknown[p.name] = f"solver unknown at depth {d}: {out.reason}"
