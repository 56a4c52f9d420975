"""Random search with shrinking: ``verifier fuzz``, an engine for models too large to explore.

Stage 5 (like the explicit engine), but instead of every state it walks random
behaviours drawn by ``verifier.strategies`` under Hypothesis, stops at the first
violated invariant or run-time error, and lets Hypothesis shrink that behaviour to a
short one with few faults. The result is a plain ``CheckResult`` (engine ``fuzz``)
that goes through the same reports as any other. A run is reproducible from its seed
(printed with the result): the same model, seed and options give the same
counterexample, unless ``--time-limit`` cut the run short.

Outcomes follow ``verifier check``: a violated invariant or a run-time error exits 1;
nothing found is inconclusive (exit 3, or 0 with ``--allow-inconclusive``), since a
random search proves nothing; a spec or usage error exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from verifier import model as M
from verifier import results as R
from verifier import semantics as sem
from verifier import typesys as T
from verifier.strategies import Behaviour, Walker

__all__ = ["FuzzOptions", "fuzz", "fuzz_main"]


@dataclass(frozen=True, slots=True)
class FuzzOptions:
    """Options of a fuzzing run (one frozen object, like ``CheckOptions``)."""

    seed: int
    examples: int = 200           # behaviours to try before giving up
    max_steps: int = 50           # steps per behaviour
    fault_rate: float = 0.25      # chance that a step tries a fault action first
    properties: tuple[str, ...] | None = None  # None: every invariant and reachable
    max_seconds: float | None = None           # stop searching (not shrinking) after this
    shrink: bool = True


class _Found(Exception):
    """Raised inside the Hypothesis test to report a failing behaviour."""

    def __init__(self, behaviour: Behaviour, prop: M.Property | None) -> None:
        super().__init__(prop.name if prop else "run-time error")
        self.behaviour = behaviour
        self.prop = prop


@dataclass
class _Run:
    """What the search saw, for the result's statistics and notes."""

    examples: int = 0
    longest: int = 0
    first: Behaviour | None = None     # the first failing behaviour, before shrinking
    target: str | None = None          # the property (or "RuntimeError") being shrunk
    searching_until: float | None = None


def fuzz(model: M.Model, opts: FuzzOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    """Search ``model`` with random behaviours; the result holds at most one violation,
    shrunk, and the other invariants inconclusive. Raises ``ValueError`` when the model
    cannot be walked (no initial state)."""
    from verifier.engine import select_properties

    monitors = select_properties(model, opts.properties)
    invariants = [p for p in monitors if p.kind == "invariant"]
    reachables = [p for p in monitors if p.kind == "reachable"]
    walker = Walker(model, fault_rate=opts.fault_rate)
    verdicts: dict[sem.State, M.Property | None] = {}
    witnesses: dict[str, Behaviour] = {}
    run = _Run()
    t0 = time.perf_counter()
    if opts.max_seconds is not None:
        run.searching_until = t0 + opts.max_seconds

    def violated(state: sem.State) -> M.Property | None:
        if state not in verdicts:
            verdicts[state] = next((p for p in invariants if not sem.holds(p, state)), None)
        return verdicts[state]

    def note_witnesses(b: Behaviour) -> None:
        for p in reachables:
            if p.name in witnesses:
                continue
            for i, s in enumerate(b.states):
                if sem.holds(p, s):
                    witnesses[p.name] = dataclasses.replace(
                        b, states=b.states[:i + 1], transitions=b.transitions[:i])
                    break

    @st.composite
    def draw_behaviour(draw: st.DrawFn) -> Behaviour | None:
        # Out of time: draw nothing, so Hypothesis soon runs out of new examples. Never
        # once a failure is being shrunk, or the minimal example would not replay.
        if run.target is None and run.searching_until is not None and (
                time.perf_counter() > run.searching_until):
            return None
        return walker.walk(draw, opts.max_steps, variable_length=False,
                           until=lambda s: violated(s) is not None)

    phases = (Phase.generate, Phase.shrink) if opts.shrink else (Phase.generate,)

    @seed(opts.seed)
    @settings(database=None, max_examples=opts.examples, deadline=None, derandomize=False,
              phases=phases, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              report_multiple_bugs=False)
    @given(draw_behaviour())
    def search(b: Behaviour | None) -> None:
        if b is None:
            return
        if run.target is None:
            run.examples += 1
        run.longest = max(run.longest, len(b))
        if run.target is None:
            note_witnesses(b)
        prop = None if b.error is not None else violated(b.last_state)
        name = "RuntimeError" if b.error is not None else (prop.name if prop else None)
        if name is None or run.target not in (None, name):
            return
        if run.target is None:
            run.target, run.first = name, b
        raise _Found(b, prop)

    found: _Found | None = None
    try:
        search()
    except _Found as f:
        found = f
    seconds = time.perf_counter() - t0
    return _result(model, opts, monitors, found, witnesses, run, walker, seconds, expect or {})


def _result(model: M.Model, opts: FuzzOptions, monitors: tuple[M.Property, ...],
            found: _Found | None, witnesses: dict[str, Behaviour], run: _Run, walker: Walker,
            seconds: float, expect: dict[str, str]) -> R.CheckResult:
    from verifier.engine.trace import location

    searched = f"not violated in {run.examples:,} random behaviours of up to {opts.max_steps} steps"
    props: list[R.PropertyResult] = []
    for p in monitors:
        verdict, trace, note = R.INCONCLUSIVE, None, searched
        if p.kind == "reachable":
            note = f"not reached in {run.examples:,} random behaviours"
            w = witnesses.get(p.name)
            if w is not None:
                verdict, trace, note = R.HOLDS, w.trace(), "witness from a random behaviour (not shrunk)"
        elif found is not None and found.prop is not None and found.prop.name == p.name:
            verdict, trace, note = R.VIOLATED, found.behaviour.trace(), _shrink_note(run, found)
        props.append(R.PropertyResult(p.name, p.kind, verdict, trace, location(model, p.span),
                                      p.doc, expect.get(p.name), note))
    if found is not None and found.prop is None:
        props.append(R.PropertyResult("RuntimeError", R.RUNTIME, R.VIOLATED, found.behaviour.trace(),
                                      None, "no run-time error (domains, map keys, division)",
                                      expect.get("RuntimeError"), _shrink_note(run, found)))
    if found is not None:
        stop = f"stopped at the first violation (seed {opts.seed})"
    else:
        stop = (f"random search: {run.examples:,} behaviours of up to {opts.max_steps} steps "
                f"(seed {opts.seed}); a random search proves nothing")
        if opts.max_seconds is not None and run.examples < opts.examples:
            stop += f"; time limit ({opts.max_seconds:g} s)"
    stats = R.Stats(states=walker.distinct_states, transitions=walker.steps, depth=run.longest,
                    seconds=round(seconds, 3), initial_states=len(walker.initial))
    consts = tuple((n, T.display(ty, v)) for n, v, ty in model.constants)
    return R.CheckResult(model=model.name, spec_path=model.path, engine="fuzz", complete=False,
                         stop_reason=stop, properties=tuple(props), stats=stats, constants=consts)


def _shrink_note(run: _Run, found: _Found) -> str:
    b, first = found.behaviour, run.first
    shrunk = f"{len(b)} steps, {b.faults} fault{'s' if b.faults != 1 else ''}"
    if first is None or first is b:
        return f"found by random search: {shrunk}"
    return (f"shrunk from {len(first)} steps and {first.faults} faults to {shrunk}")


# ---- the command ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from verifier.cli import _Parser, _positive, _positive_float

    p = _Parser(prog="verifier fuzz",
                description="Search a model for invariant violations with random behaviours, "
                            "shrinking the first one found.")
    p.add_argument("target", metavar="MODEL", help="a model (.toml) or a spec (.fsl)")
    p.add_argument("--seed", type=int, help="random seed (default: a fresh one, printed)")
    p.add_argument("--examples", type=_positive, default=200, metavar="N",
                   help="behaviours to try (default 200)")
    p.add_argument("--max-steps", type=_positive, default=50, metavar="K",
                   help="steps per behaviour (default 50)")
    p.add_argument("--fault-rate", type=float, default=0.25, metavar="P",
                   help="chance that a step tries a fault action first (default 0.25; 0: no faults)")
    p.add_argument("--time-limit", type=_positive_float, metavar="SECONDS",
                   help="stop searching after this long (shrinking a find still completes)")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    p.add_argument("--property", action="append", metavar="NAME", help="check only this property")
    p.add_argument("--no-shrink", action="store_true", help="report the first find as it is")
    p.add_argument("--allow-inconclusive", action="store_true",
                   help="exit 0 instead of 3 when nothing is found")
    p.add_argument("--report-dir", metavar="DIR", type=Path,
                   help="write reports (md, html, json, itf) under DIR/<model>/")
    p.add_argument("--full-states", action="store_true", help="print whole states in traces")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return p


def fuzz_main(argv: list[str]) -> int:
    """``verifier fuzz MODEL ...``; returns the exit code (see the module doc)."""
    from verifier.cli import (
        EXIT_INCONCLUSIVE,
        EXIT_OK,
        EXIT_USAGE,
        _check_property_names,
        _configs,
        _parse_const,
        _render_text,
        _write_reports,
        exit_code,
    )
    from verifier.config import with_overrides
    from verifier.diagnostics import SpecError
    from verifier.load import load_model

    args = _parser().parse_args(argv)
    if not 0.0 <= args.fault_rate <= 1.0:
        sys.stderr.write(f"verifier: error[U001]: --fault-rate must lie between 0 and 1, got "
                         f"{args.fault_rate}\n")
        return EXIT_USAGE
    try:
        items = _configs([args.target])
        item = items[0] if len(items) == 1 else None
        if item is None:
            sys.stderr.write("verifier: error[U001]: fuzz takes one model (.toml) or spec (.fsl), "
                             "not a folder\n")
            return EXIT_USAGE
        if isinstance(item, SpecError):
            raise item
        cfg = with_overrides(item, constants=_parse_const(args.const) or None,
                             properties=args.property)
        model = load_model(cfg)
        if cfg.properties is not None:
            _check_property_names(model, cfg.properties, cfg)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    opts = FuzzOptions(seed=seed_value, examples=args.examples, max_steps=args.max_steps,
                       fault_rate=args.fault_rate, properties=cfg.properties,
                       max_seconds=args.time_limit, shrink=not args.no_shrink)
    try:
        result = fuzz(model, opts, expect=dict(cfg.expect))
    except ValueError as e:
        sys.stderr.write(f"{cfg.spec}: error[E120]: {e}\n  hint: check the `var` initial values "
                         "and `init` conditions\n")
        return EXIT_USAGE
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(_render_text(result, color=color, full_states=args.full_states))
    again = [f"verifier fuzz {args.target}", f"--seed {seed_value}",
             f"--examples {args.examples}", f"--max-steps {args.max_steps}"]
    if args.fault_rate != 0.25:
        again.append(f"--fault-rate {args.fault_rate:g}")
    again += [f"--const {c}" for c in args.const] + [f"--property {p}" for p in args.property or []]
    sys.stdout.write("\nreproduce with: " + " ".join(again) + "\n")
    if args.report_dir is not None:
        _write_reports(result, args.report_dir / cfg.name, timings=False)
        sys.stdout.write(f"reports written to {args.report_dir / cfg.name}\n")
    code = exit_code(result)
    if code == EXIT_INCONCLUSIVE and args.allow_inconclusive:
        return EXIT_OK
    return code
