"""``verifier simulate MODEL``: seeded random walks that check the invariants along the way.

Runs the simulation engine (``verifier/explore/simulate.py``) on one model or spec,
prints the result (with the seed and the command that reproduces it) and writes reports
under ``--report-dir``. Exit codes follow ``verifier check``: 1 a violated invariant or a
run-time error (each shrunk to the fewest steps and faults), 2 a spec or usage error.
A *clean* simulation, one that violated nothing, is its own outcome: it proves nothing,
so it exits 3 (inconclusive), or 0 with ``--allow-clean``; its invariants are never
reported as holding.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from verifier import results as R
from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    UsageParser,
    exit_code,
    one_model,
    positive,
    positive_float,
    walk_error,
    write_reports,
)
from verifier.engine.options import ENGINES
from verifier.lang.diagnostics import SpecError


def _parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier simulate",
                    description="Random walks through a model, checking invariants on every "
                                "state; a violation is shrunk to the fewest steps and faults.")
    p.add_argument("target", metavar="MODEL", help="a model (.toml) or a spec (.fsl)")
    p.add_argument("--seed", type=int, help="random seed (default: a fresh one, printed)")
    p.add_argument("--runs", type=positive, default=100, metavar="N",
                   help="random walks (default 100)")
    p.add_argument("--depth", type=positive, default=50, metavar="K",
                   help="steps per walk at most (default 50)")
    p.add_argument("--fault-rate", type=float, default=0.25, metavar="P",
                   help="chance that a step takes a fault action when one is enabled "
                        "(default 0.25; 0: no faults)")
    p.add_argument("--time-limit", type=positive_float, metavar="SECONDS",
                   help="start no new walk after this long (shrinking still completes)")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    p.add_argument("--property", action="append", metavar="NAME", help="check only this property")
    p.add_argument("--engine", choices=("auto", "compiled", "reference"), default="auto",
                   help="successor computation: compiled code (default when the spec allows "
                        "it) or the reference semantics; both give the same walks for a seed")
    p.add_argument("--stop-at-first", action="store_true",
                   help="stop after the first walk that violates an invariant")
    p.add_argument("--no-shrink", action="store_true", help="report each find as it was walked")
    p.add_argument("--allow-clean", action="store_true",
                   help="exit 0 instead of 3 when no invariant is violated")
    p.add_argument("--report-dir", metavar="DIR", type=Path,
                   help="write reports (md, html, txt, json, itf) under DIR/<model>/")
    p.add_argument("--full-states", action="store_true", help="print whole states in traces")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return p


def simulate_main(argv: list[str]) -> int:
    """``verifier simulate MODEL ...``; returns the exit code (see the module doc)."""
    from verifier.engine.codegen import Unsupported
    from verifier.explore import SimulateOptions, simulate
    from verifier.lang import semantics as sem
    from verifier.reports.text import render_text

    args = _parser().parse_args(argv)
    if not 0.0 <= args.fault_rate <= 1.0:
        sys.stderr.write(f"verifier: error[U001]: --fault-rate must lie between 0 and 1, got "
                         f"{args.fault_rate}\n  hint: see `verifier simulate --help`\n")
        return EXIT_USAGE
    try:
        loaded = one_model("simulate", args.target, args.const, args.property)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    if loaded is None:
        return EXIT_USAGE
    _, cfg, model = loaded
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    opts = SimulateOptions(seed=seed, runs=args.runs, depth=args.depth, fault_rate=args.fault_rate,
                           properties=cfg.properties, max_seconds=args.time_limit or cfg.limits.time,
                           shrink=not args.no_shrink, stop_at_first=args.stop_at_first,
                           compiled=ENGINES[args.engine])
    try:
        result = simulate(model, opts, expect=dict(cfg.expect))
    except (ValueError, sem.EvalError, Unsupported) as e:
        return walk_error(cfg, e)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(render_text(result, color=color, full_states=args.full_states))
    clean = not any(p.verdict == R.VIOLATED for p in result.properties)
    if clean:
        sys.stdout.write(f"\nclean simulation: no invariant violated in {result.stats.states:,} "
                         "distinct states; a simulation is not a proof (exit "
                         f"{EXIT_OK if args.allow_clean else EXIT_INCONCLUSIVE})\n")
    again = [f"verifier simulate {args.target}", f"--seed {seed}", f"--runs {args.runs}",
             f"--depth {args.depth}"]
    if args.fault_rate != 0.25:
        again.append(f"--fault-rate {args.fault_rate:g}")
    if args.stop_at_first:
        again.append("--stop-at-first")
    again += [f"--const {c}" for c in args.const] + [f"--property {p}" for p in args.property or []]
    sys.stdout.write("\nreproduce with: " + " ".join(again) + "\n")
    if args.report_dir is not None:
        write_reports(result, args.report_dir / cfg.name, timings=False)
        sys.stdout.write(f"reports written to {args.report_dir / cfg.name}\n")
    code = exit_code(result)
    if code == EXIT_INCONCLUSIVE and clean and args.allow_clean:
        return EXIT_OK
    return code
