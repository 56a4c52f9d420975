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

from dataclasses import replace

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic.bmc import run_bmc
from verifier.symbolic.common import (
    INTERRUPTED,
    Clock,
    make_result,
    prop_result,
    reraise_interrupt,
    select,
)
from verifier.symbolic.errors import SymbolicMismatch
from verifier.symbolic.houdini import Houdini
from verifier.symbolic.options import BMC, ProveOptions
from verifier.symbolic.reach import (
    REACHABLE,
    UNREACHABLE,
    Explicit,
    explicit_invariants,
    state_reachability,
)
from verifier.symbolic.traces import replay
from verifier.symbolic.transition import System


def run_induction(model: M.Model, opts: ProveOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    clock = Clock()
    system = System(model)
    h = Houdini(model, system, opts.timeout, minimize=opts.minimize)
    targets = select(model, opts.properties, ("invariant",))
    results: list[R.PropertyResult] = []
    try:
        _prove(model, h, opts, expect, targets, results)
    except KeyboardInterrupt:  # Ctrl-C: what is decided stands, the rest is inconclusive
        done = {r.name for r in results}
        proved = {p.name for p in h.proved}  # empty until Houdini's fixpoint
        for p in targets:
            if p.name in proved and p.name not in done:
                results.append(prop_result(model, p, R.HOLDS, note="inductive", expect=expect))
            elif p.name not in done:
                results.append(prop_result(model, p, R.INCONCLUSIVE, note="interrupted", expect=expect))
        order = {p.name: i for i, p in enumerate(targets)}
        results.sort(key=lambda r: order[r.name])
        return make_result(model, "induction", results, complete=False, stop_reason=INTERRUPTED,
                           depth=1, seconds=clock.seconds())
    warnings = [f"reachable {p.name} is not checked by induction (use --bmc)"
                for p in select(model, opts.properties, ("reachable",))]
    if not h.error_free():
        warnings.append("an action may fail with a run-time error in a state where the proved invariants "
                        "hold; induction does not say whether such a state is reachable (use --bmc)")
    return make_result(model, "induction", results, complete=True, stop_reason=None, depth=1,
                       seconds=clock.seconds(), warnings=tuple(warnings))


def _prove(model: M.Model, h: Houdini, opts: ProveOptions, expect: dict[str, str] | None,
           targets: tuple[M.Property, ...], results: list[R.PropertyResult]) -> None:
    """Houdini, then each target's verdict in turn, appended to ``results``."""
    h.run()
    proved = {p.name for p in h.proved}
    # what the explicit engine says about every invariant induction could not prove, asked
    # once for all of them (a counterexample to induction is real only if they are false)
    todo = [p for p in targets
            if p.name not in proved and p.name not in h.initial_bad and p.name not in h.unknown]
    explicit = explicit_invariants(model, todo, opts.reach_limit) if opts.reach_limit > 0 else {}
    for p in targets:
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
            results.append(_refute(model, h, p, opts, expect, explicit))


def _refute(model: M.Model, h: Houdini, p: M.Property, opts: ProveOptions,
            expect: dict[str, str] | None, explicit: dict[str, Explicit]) -> R.PropertyResult:
    status, path = h.cti(p)
    if path is None:
        return prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                           note=f"not proved; no counterexample to induction either (solver {status})")
    cti = replay(model, path, initial=False)
    helpers = [q.name for q in h.proved if q.name != p.name]
    base = f"not inductive (with {', '.join(helpers)})" if helpers else "not inductive"
    if opts.reach_limit <= 0:
        return _result(model, p, R.INCONCLUSIVE, cti, expect,
                       f"{base}: see the counterexample to induction (its pre-state's reachability "
                       "was not checked)")
    reach = state_reachability(model, path.states[0], opts.reach_limit)
    if reach.answer == REACHABLE:
        where = f"the pre-state of the counterexample to induction is reachable in {reach.depth} steps"
    elif reach.answer == UNREACHABLE:
        where = ("the pre-state of the counterexample to induction is unreachable (the explicit search "
                 "finished without meeting it)")
    else:
        where = f"whether the pre-state of the counterexample to induction is reachable is unknown ({reach.why})"
    ex = explicit[p.name]
    if ex.verdict == R.VIOLATED or reach.answer == REACHABLE:
        # A real violation: the counterexample shown is bounded model checking's own,
        # cross-checked against the explicit engine's shortest one.
        known = len(ex.trace.steps) if ex.verdict == R.VIOLATED and ex.trace is not None else None
        depth = known if known is not None else reach.depth + 1
        bmc = reraise_interrupt(run_bmc(model, replace(opts, mode=BMC, depth=depth, properties=(p.name,),
                                                       completeness=False, induct=False)))
        got = next(r for r in bmc.properties if r.name == p.name)
        if got.verdict == R.VIOLATED and got.trace is not None:
            n = len(got.trace.steps)
            if known is not None and n != known:
                raise SymbolicMismatch(f"{p.name}: bounded model checking found a {n}-step "
                                       f"counterexample, the explicit engine's shortest has {known}")
            agree = "; the explicit engine agrees" if known is not None else ""
            return _result(model, p, R.VIOLATED, cti, expect,
                           f"{base}; {where}; shortest counterexample ({n} steps) by bounded model "
                           f"checking{agree}", trace=got.trace)
        if known is not None and got.verdict == R.INCONCLUSIVE and not (got.note or "").startswith(
                "solver unknown"):
            raise SymbolicMismatch(f"{p.name}: the explicit engine has a {known}-step counterexample, "
                                   f"bounded model checking to depth {depth} found none")
        if ex.verdict == R.VIOLATED and ex.trace is not None:
            return _result(model, p, R.VIOLATED, cti, expect,
                           f"{base}; {where}; shortest counterexample by explicit search (bounded "
                           f"model checking: {got.note})", trace=ex.trace)
    if ex.verdict == R.HOLDS:
        where += f"; it holds in all {ex.states:,} reachable states (explicit search)"
    hint = ("add a helper invariant that excludes the pre-state (`verifier prove --chc` finds one), "
            "or try --kinduction")
    return _result(model, p, R.INCONCLUSIVE, cti, expect,
                   f"{base}: see the counterexample to induction, one step from a state where it "
                   f"holds to one where it fails; {where}: {hint}")


def _result(model: M.Model, p: M.Property, verdict: str, cti: R.Trace,
            expect: dict[str, str] | None, note: str, trace: R.Trace | None = None) -> R.PropertyResult:
    return replace(prop_result(model, p, verdict, trace=trace, expect=expect, note=note), cti=cti)
