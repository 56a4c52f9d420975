"""``verifier check TARGET...``: explore every reachable state of models or specs.

Flags become a ``ModelConfig`` (overrides of the model file) plus ``CheckOptions``; the
explicit engine runs each model; the text report goes to stdout (or one JSON document
with ``--json``), report files under ``--report-dir``, and a summary table follows a
run over several models. The exit code is the most severe of the models' (``common``).
``--watch`` checks again whenever a file the targets read changes (polled every
``--poll`` seconds, by content), until interrupted or ``--watch-rounds`` re-checks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from verifier import results as R
from verifier.cli.common import (
    EXIT_USAGE,
    check_property_names,
    combine,
    configs,
    exit_code,
    parse_const,
    positive,
    positive_float,
    summary_table,
    write_reports,
)
from verifier.config import Limits, ModelConfig, with_overrides
from verifier.config import load_model as load_config
from verifier.lang.diagnostics import SpecError


def add_parser(sub: Any) -> None:
    c = sub.add_parser("check", help="explore every reachable state of models or specs")
    c.add_argument("targets", nargs="+", metavar="TARGET",
                   help="a spec (.fsl), a model (.toml), or a folder of models")
    c.add_argument("--json", action="store_true", help="print results as JSON (schema in docs)")
    c.add_argument("--stop-at-first", action="store_true", help="stop at the first violation")
    c.add_argument("--max-states", type=positive, metavar="N")
    c.add_argument("--max-depth", type=positive, metavar="N")
    c.add_argument("--time-limit", type=positive_float, metavar="SECONDS")
    c.add_argument("--memory-limit", type=positive, metavar="MIB")
    c.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    c.add_argument("--property", action="append", metavar="NAME", help="check only this property")
    c.add_argument("--deadlock", action="store_true", help="report states with no enabled action")
    c.add_argument("--engine", choices=("auto", "compiled", "reference"), default="auto",
                   help="successor computation: compiled fast path (default when possible) or "
                        "the reference semantics")
    c.add_argument("--full-states", action="store_true", help="print whole states in traces")
    c.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    c.add_argument("--quiet", "-q", action="store_true", help="no progress line, only the summary")
    c.add_argument("--progress", action="store_true",
                   help="print progress lines on stderr even when it is not a terminal")
    c.add_argument("--report-dir", metavar="DIR", type=Path, default=Path("reports"),
                   help="write reports (md, html, txt, json, itf) under DIR/<model>/ "
                        "(default: reports/)")
    c.add_argument("--no-reports", action="store_true", help="do not write report files")
    c.add_argument("--timings", action="store_true",
                   help="keep run times and memory in written reports (they are left out so that "
                        "reports are byte-identical between runs)")
    c.add_argument("--graph", metavar="DIR", type=Path,
                   help="also write the state graph (DOT, GraphML) under DIR/<model>/")
    c.add_argument("--junit", metavar="FILE", type=Path,
                   help="also write JUnit XML: one test case per property per model")
    c.add_argument("--sarif", metavar="FILE", type=Path,
                   help="also write SARIF 2.1.0 pointing at each failing property in its spec")
    c.add_argument("--watch", action="store_true",
                   help="check again whenever a spec or model file of the targets changes "
                        "(Ctrl-C stops; the exit code is the last check's)")
    c.add_argument("--poll", type=positive_float, default=0.5, metavar="SECONDS",
                   help="with --watch: how often to look at the files (default 0.5)")
    c.add_argument("--watch-rounds", type=positive, metavar="N",
                   help="with --watch: stop after N checks caused by a change")


def _options(cfg: ModelConfig, args: argparse.Namespace) -> Any:
    from verifier.engine.options import check_options

    return check_options(cfg, engine=args.engine, deadlock=args.deadlock,
                         progress=getattr(args, "progress", False) or (
                             not args.quiet and not args.json and sys.stderr.isatty()))


def run(args: argparse.Namespace) -> int:
    if not args.watch:
        return _check(args)
    seen = _snapshot(args.targets)  # before the check: a change during it counts
    code = _check(args)
    rounds = 0
    while args.watch_rounds is None or rounds < args.watch_rounds:
        time.sleep(args.poll)
        now = _snapshot(args.targets)
        if now == seen:
            continue
        changed = sorted(str(p) for p in set(now) | set(seen) if now.get(p) != seen.get(p))
        seen = now  # taken before the next check, as above
        rounds += 1
        sys.stdout.write(f"\nverifier: changed: {', '.join(changed)}; checking again\n\n")
        sys.stdout.flush()
        code = _check(args)
    return code


def _snapshot(targets: list[str]) -> dict[Path, str]:
    """The content digest of every file the targets read: the specs, the model files and
    the specs they name (a folder's models found again each time)."""
    files: set[Path] = set()
    for t in targets:
        path = Path(t)
        models = sorted(path.rglob("*.toml")) if path.is_dir() else [path]
        for m in models:
            files.add(m)
            if m.suffix == ".toml":
                try:
                    files.add(load_config(m).spec)
                except SpecError:
                    pass  # reported by the check; the model file itself is watched
    out = {}
    for f in sorted(files):
        try:
            out[f] = hashlib.sha256(f.read_bytes()).hexdigest()
        except OSError:
            out[f] = "missing"
    return out


def _check(args: argparse.Namespace) -> int:
    from verifier.config.load import load_model
    from verifier.engine import EngineError, run_check
    from verifier.reports.text import render_text

    overrides = parse_const(args.const)
    limits = Limits(states=args.max_states, depth=args.max_depth, time=args.time_limit,
                    memory_mb=args.memory_limit)
    results: list[tuple[str, R.CheckResult | None, int]] = []
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    for item in configs(args.targets):
        if isinstance(item, SpecError):
            sys.stderr.write(item.render() + "\n")
            results.append(("?", None, EXIT_USAGE))
            continue
        cfg = with_overrides(item, constants=overrides or None, limits=limits,
                             properties=args.property, stop_at_first=args.stop_at_first or None)
        try:
            model = load_model(cfg)
            opts = _options(cfg, args)
            if opts.properties is not None:
                check_property_names(model, opts.properties, cfg)
            result = run_check(model, opts, expect=dict(cfg.expect))
        except SpecError as e:
            sys.stderr.write(e.render() + "\n")
            results.append((cfg.name, None, EXIT_USAGE))
            continue
        except EngineError as e:
            sys.stderr.write(e.diagnostic().render(model.source) + "\n")
            results.append((cfg.name, None, EXIT_USAGE))
            continue
        code = exit_code(result)
        results.append((cfg.name, result, code))
        if args.json:
            continue
        sys.stdout.write(render_text(result, color=color, full_states=args.full_states))
        sys.stdout.flush()
        if not args.no_reports and not os.environ.get("VERIFIER_NO_REPORTS"):
            write_reports(result, args.report_dir / cfg.name, timings=args.timings)
        if args.graph is not None:
            from verifier.engine.graph import GraphTooLarge, write_graph_reports

            try:
                write_graph_reports(model, opts, result, args.graph / cfg.name)
            except GraphTooLarge as e:
                sys.stderr.write(f"verifier: warning: no state graph for {cfg.name}: {e}\n")
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        doc = {"schema_version": R.SCHEMA_VERSION,
               "results": [result_to_dict(r) for _, r, _ in results if r is not None],
               "exit_code": combine([c for _, _, c in results])}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    elif len(results) > 1:
        sys.stdout.write(summary_table([(name, code, r) for name, r, code in results], "states",
                                       lambda r: f"{r.stats.states:,}"))
    if args.junit is not None or args.sarif is not None:
        from verifier.testing import write_ci_files

        write_ci_files([(n, r) for n, r, _ in results], args.junit, args.sarif,
                       "the model could not be checked (see the log)")
    return combine([c for _, _, c in results])
