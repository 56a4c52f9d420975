"""``verifier fuzz MODEL``: search a model for invariant violations with random behaviours.

Runs the fuzzing engine (``verifier/testing/fuzz.py``) on one model or spec, prints the
result (with the seed and the command that reproduces it) and writes reports under
``--report-dir``. Outcomes follow ``verifier check``: a violated invariant or a
run-time error exits 1; nothing found is inconclusive (exit 3, or 0 with
``--allow-inconclusive``), since a random search proves nothing; a spec or usage error
exits 2.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    Diagnostics,
    UsageParser,
    answer_expectations,
    exit_code,
    one_model,
    positive,
    positive_float,
    property_warnings,
    report_folder,
    reports_line,
    walk_error,
    write_reports,
)
from verifier.engine.options import ENGINES
from verifier.lang.diagnostics import SpecError


def _parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier fuzz",
                description="Search a model for invariant violations with random behaviours, "
                            "shrinking the first one found.")
    p.add_argument("target", metavar="MODEL", help="a model (.toml) or a spec (.fsl)")
    p.add_argument("--seed", type=int, help="random seed (default: a fresh one, printed)")
    p.add_argument("--examples", type=positive, default=200, metavar="N",
                   help="behaviours to try (default 200)")
    p.add_argument("--max-steps", type=positive, default=50, metavar="K",
                   help="steps per behaviour (default 50)")
    p.add_argument("--fault-rate", type=float, default=0.25, metavar="P",
                   help="chance that a step tries a fault action first (default 0.25; 0: no faults)")
    p.add_argument("--time-limit", type=positive_float, metavar="SECONDS",
                   help="stop searching after this long (shrinking a find still completes)")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    p.add_argument("--property", action="append", metavar="NAME", help="check only this property")
    p.add_argument("--engine", choices=("auto", "compiled", "reference"), default="auto",
                   help="walk compiled successor code (default when the spec allows it) or the "
                        "reference semantics; the two draw differently, so a seed reproduces a "
                        "run only with the same engine")
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
    from verifier.engine.codegen import Unsupported
    from verifier.lang import semantics as sem
    from verifier.reports.text import render_text
    from verifier.testing.fuzz import FuzzOptions, fuzz

    args = _parser().parse_args(argv)
    if not 0.0 <= args.fault_rate <= 1.0:
        sys.stderr.write(f"verifier: error[U001]: --fault-rate must lie between 0 and 1, got "
                         f"{args.fault_rate}\n")
        return EXIT_USAGE
    try:
        loaded = one_model("fuzz", args.target, args.const, args.property)
        if loaded is not None:  # unknown names in [check] properties or [expect] are C014
            property_warnings(loaded[1], Diagnostics(False), None)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    if loaded is None:
        return EXIT_USAGE
    item, cfg, model = loaded
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    opts = FuzzOptions(seed=seed_value, examples=args.examples, max_steps=args.max_steps,
                       fault_rate=args.fault_rate, properties=cfg.properties,
                       max_seconds=args.time_limit or cfg.limits.time, shrink=not args.no_shrink,
                       compiled=ENGINES[args.engine])
    try:
        result = fuzz(model, opts, expect=dict(cfg.expect))
    except (ValueError, sem.EvalError, Unsupported) as e:
        return walk_error(cfg, e)
    result = answer_expectations(result, dict(cfg.expect), "a random search does not decide it")
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(render_text(result, color=color, full_states=args.full_states))
    again = [f"verifier fuzz {args.target}", f"--seed {seed_value}",
             f"--examples {args.examples}", f"--max-steps {args.max_steps}"]
    if args.fault_rate != 0.25:
        again.append(f"--fault-rate {args.fault_rate:g}")
    if args.engine != "auto":
        again.append(f"--engine {args.engine}")
    if args.no_shrink:
        again.append("--no-shrink")
    again += [f"--const {c}" for c in args.const] + [f"--property {p}" for p in args.property or []]
    sys.stdout.write("\nreproduce with: " + " ".join(again) + "\n")
    if args.report_dir is not None:
        out = write_reports(result, report_folder(args.report_dir, item, cfg), timings=False)
        sys.stdout.write(reports_line(out, result))
    code = exit_code(result)
    if code == EXIT_INCONCLUSIVE and args.allow_inconclusive:
        return EXIT_OK
    return code
