"""Stage 5 (symbolic): unbounded proofs with Spacer, ``run_chc(model, options) -> CheckResult``.

Per invariant P, three constrained Horn clauses over an unknown relation ``Inv`` on the
state's leaves:

    Init(s)                      => Inv(s)
    Inv(s) and T(s, t)           => Inv(t)
    Inv(s) and not P(s)          => false

(with the variable domains on ``s`` and ``t``). Z3's Spacer engine either finds an
interpretation of ``Inv`` -- an inductive invariant that implies P, for every value of
the unbounded ``int`` variables -- or shows the clauses unsatisfiable, i.e. P is
violated; bounded model checking then produces the shortest counterexample. The
invariant is printed in FSL (``fslprint``) and, by default, checked again by our own
front end and induction: it must parse, type-check and be inductive on its own, so
users can paste it into the spec.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

import z3

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic import values as V
from verifier.symbolic.common import (
    INTERRUPTED,
    Clock,
    finite,
    fire_condition,
    make_result,
    prop_result,
    reraise_interrupt,
    select,
)
from verifier.symbolic.fslprint import Printer, Unprintable
from verifier.symbolic.options import BMC, ProveOptions
from verifier.symbolic.solver import SAT, UNSAT, horn
from verifier.symbolic.transition import System

CEX_DEPTH = 30  # bound of the bounded search that exhibits a violation Spacer reports


@dataclass(frozen=True, slots=True)
class Found:
    """An inductive invariant Spacer found for one property, in FSL."""

    prop: str
    text: str | None      # None when it could not be printed
    checked: str | None   # the re-check's verdict: "inductive", or what went wrong


def run_chc(model: M.Model, opts: ProveOptions, *, expect: dict[str, str] | None = None
            ) -> tuple[R.CheckResult, list[Found]]:
    clock = Clock()
    system = System(model)
    s, t = system.state("s"), system.state("t")
    step = system.step(s, t, "chc")
    xs = [lf.term for lf in s.leaves]
    ys = [lf.term for lf in t.leaves]
    init, _ = system.init(s)
    inv = z3.Function("Inv", *[x.sort() for x in xs], z3.BoolSort())
    base = [z3.ForAll(xs, z3.Implies(V.and_(system.domain(s), init), inv(*xs))),
            z3.ForAll(xs + ys + list(step.vars.leaves),
                      z3.Implies(V.and_all([inv(*xs), system.domain(t), step.trans]), inv(*ys)))]
    printer = Printer(model, s.leaves)
    results: list[R.PropertyResult] = []
    found: list[Found] = []
    targets = select(model, opts.properties, ("invariant",))
    try:
        _prove_each(model, system, opts, expect, targets, base, xs, s, inv, printer, results, found)
    except KeyboardInterrupt:  # what is proved stays proved
        done = {r.name for r in results}
        results += [prop_result(model, p, R.INCONCLUSIVE, expect=expect, note="interrupted")
                    for p in targets if p.name not in done]
        return make_result(model, "chc", results, complete=False, stop_reason=INTERRUPTED, depth=0,
                           seconds=clock.seconds()), found
    warnings = tuple(f"reachable {p.name} is not checked by --chc (use --bmc)"
                     for p in select(model, opts.properties, ("reachable",)))
    return make_result(model, "chc", results, complete=True, stop_reason=None, depth=0,
                       seconds=clock.seconds(), warnings=warnings), found


def _prove_each(model: M.Model, system: System, opts: ProveOptions, expect: dict[str, str] | None,
                targets: tuple[M.Property, ...], base: list[Any], xs: list[Any], s: Any, inv: Any,
                printer: Printer, results: list[R.PropertyResult], found: list[Found]) -> None:
    """Spacer on each target in turn, appending to ``results`` and ``found``."""
    for p in targets:
        query = z3.ForAll(xs, z3.Implies(z3.And(inv(*xs), fire_condition(system, p, s)), False))
        out = horn(base + [query], opts.timeout)
        if out.status == SAT:
            formula = _without_domain_facts(out.model.eval(inv(*xs)), system.domain(s), opts.timeout)
            text: str | None = None
            checked: str | None = None
            try:
                text = printer.invariant(formula)
            except Unprintable as e:
                checked = f"not printable in FSL ({e})"
            if text is not None and opts.check_invariant:
                checked = check_invariant(model, text, opts.timeout)
            found.append(Found(p.name, text, checked))
            note = ("proved for every value of the unbounded variables (Spacer)" if not finite(model) else
                    "proved by Spacer: it found an inductive invariant that implies it")
            if checked and checked != "inductive":
                note += f"; the printed invariant: {checked}"
            results.append(prop_result(model, p, R.HOLDS, note=note, expect=expect))
        elif out.status == UNSAT:
            results.append(_counterexample(model, p, opts, expect))
        else:
            results.append(prop_result(model, p, R.INCONCLUSIVE, expect=expect,
                                       note=f"Spacer gave no answer ({out.reason})"))


def _without_domain_facts(formula: V.Term, dom: V.Term, timeout: float) -> V.Term:
    """Drop the top-level conjuncts that the variable types already imply
    (``silent[P][S] >= 0``): they are true of every state and only clutter the print."""
    if not z3.is_and(formula):
        return formula
    s = z3.Solver()
    s.set("timeout", max(1, int(timeout * 1000)))
    s.set("ctrl_c", False)
    s.add(dom)
    keep = []
    for c in formula.children():
        s.push()
        s.add(z3.Not(c))
        if s.check() != z3.unsat:
            keep.append(c)
        s.pop()
    return V.and_all(keep)


def _counterexample(model: M.Model, p: M.Property, opts: ProveOptions,
                    expect: dict[str, str] | None) -> R.PropertyResult:
    from verifier.symbolic.bmc import run_bmc

    bmc = reraise_interrupt(run_bmc(model, replace(opts, mode=BMC, depth=CEX_DEPTH, properties=(p.name,),
                                                   completeness=False)))
    hit = next((r for r in bmc.properties if r.name == p.name and r.verdict == R.VIOLATED), None)
    if hit is not None:
        return prop_result(model, p, R.VIOLATED, trace=hit.trace, expect=expect,
                           note="Spacer refutes it; shortest counterexample by bounded search")
    return prop_result(model, p, R.VIOLATED, expect=expect,
                       note=f"Spacer refutes it, but no counterexample within {CEX_DEPTH} steps was found "
                            "to show")


def check_invariant(model: M.Model, text: str, timeout: float, name: str = "SpacerInvariant") -> str:
    """Re-check a printed invariant with our own pipeline: appended to the spec, it must
    parse, type-check, and be inductive on its own."""
    from verifier.lang.checker import check_spec
    from verifier.lang.diagnostics import SpecError
    from verifier.lang.parser import parse
    from verifier.symbolic.induction import run_induction

    source = model.source.rstrip("\n") + f"\n\ninvariant {name}:\n  {text}\n"
    faults = {c.name.removeprefix("faults."): c.cap for c in model.counters if c.name != "faults.total"}
    total = next((c.cap for c in model.counters if c.name == "faults.total"), None)
    try:
        checked = check_spec(parse(source, model.path), source,
                             constants={n: v for n, v, _ in model.constants}, faults=faults,
                             fault_total=total, name=model.name)
    except SpecError as e:
        return f"does not type-check ({e})"
    alone = dataclasses.replace(checked, properties=tuple(p for p in checked.properties if p.name == name))
    res = reraise_interrupt(run_induction(alone, ProveOptions(timeout=timeout, properties=(name,),
                                                              reach_limit=1)))
    verdict = res.properties[0]
    if verdict.verdict == R.HOLDS and verdict.note == "inductive on its own":
        return "inductive"
    return f"not confirmed by induction ({verdict.verdict}: {verdict.note})"
