"""``verifier check TARGET...``: explore every reachable state of models or specs.

Flags become a ``ModelConfig`` (overrides of the model file) plus ``CheckOptions``; the
explicit engine runs each model; the text report goes to stdout (``-q``: the summary
table only; ``--json``: one JSON document with every result and diagnostic), report
files only under ``--report-dir`` (each model's folder named so that constants changed
by ``--const`` show), and a summary table follows a run over several models. Ctrl-C
or SIGTERM stops the run after the model being checked, which is reported as far as
it got. The exit code is the most severe of the models' (``common``).
``--watch`` checks again whenever a file the targets read changes (polled every
``--poll`` seconds, by content), until interrupted or ``--watch-rounds`` re-checks.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from verifier import results as R
from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_USAGE,
    Diagnostics,
    combine,
    configs,
    exit_code,
    interrupted,
    json_document,
    parse_const,
    positive,
    positive_float,
    property_warnings,
    report_folder,
    reports_line,
    summary_table,
    write_reports,
)
from verifier.config import Limits, ModelConfig, with_overrides
from verifier.config import load_model as load_config
from verifier.engine.ahead import Ahead
from verifier.engine.options import ENGINE_CHOICES
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError


def add_parser(sub: Any) -> None:
    c = sub.add_parser(
        "check", help="explore every reachable state of models or specs",
        description="Explore every reachable state of each model or spec and report each "
                    "property's verdict. What is printed: by default each model's text report "
                    "(summary, verdicts, counterexamples and witnesses, coverage, warnings), then "
                    "a summary table when there are several models; with -q only the summary "
                    "table; with --json one JSON document (results and diagnostics) and nothing "
                    "else on stdout. Errors and warnings go to stderr (into the document with "
                    "--json); progress lines go to stderr on a terminal or with --progress. "
                    "Report files are written only with --report-dir.")
    c.add_argument("targets", nargs="+", metavar="TARGET",
                   help="a spec (.fsl), a model (.toml), or a folder of models")
    c.add_argument("--json", action="store_true",
                   help="print one JSON document: results, exit code and every diagnostic "
                        "(schema in docs/reports.md)")
    c.add_argument("--stop-at-first", action="store_true", help="stop at the first violation")
    c.add_argument("--max-states", type=positive, metavar="N",
                   help="store at most N states, the first N found breadth-first; the search "
                        "is then inconclusive unless no other state is reachable")
    c.add_argument("--max-depth", type=positive, metavar="N", help="explore at most N steps deep")
    c.add_argument("--time-limit", type=positive_float, metavar="SECONDS",
                   help="stop the search after this long")
    c.add_argument("--memory-limit", type=positive, metavar="MIB",
                   help="stop the search (and the liveness graph) when the process uses more memory")
    c.add_argument("--graph-max-nodes", type=positive, metavar="N",
                   help="store at most N states in the liveness check's graph (default: as the "
                        "memory limit, or the machine's available memory, allows)")
    c.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    c.add_argument("--property", action="append", metavar="NAME", help="check only this property")
    c.add_argument("--deadlock", action="store_true", help="report states with no enabled action")
    c.add_argument("--vacuity", choices=("warn", "error"),
                   help="a vacuous check (a reachable never reached, a spec without properties) "
                        "is a warning or an error (default: the model's [check] vacuity, warn)")
    c.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="successor computation: auto (the native kernel where the spec allows it, "
                        "else generated Python, else the reference semantics; the output says which "
                        "ran and why), kernel (native code, required), python (generated Python; "
                        "'compiled' is its old name), reference (the reference semantics only)")
    c.add_argument("--workers", type=positive, default=1, metavar="N",
                   help="cores the kernel engine expands the frontier on (default 1); the counts, "
                        "verdicts and counterexamples are those of one worker")
    c.add_argument("--no-symmetry", action="store_true",
                   help="store every state, even of a spec with symmetric enums (by default the "
                        "kernel engine stores one state per renaming of their members)")
    c.add_argument("--store-memory", type=positive_float, metavar="MIB",
                   help="memory the kernel engine's seen-set may take before it spills to disk "
                        "(sorted runs, the same results; default: a quarter of --memory-limit, and "
                        "a spill when the process reaches --memory-limit instead of stopping)")
    c.add_argument("--spill-dir", metavar="DIR", type=Path,
                   help="where a spilled seen-set goes (default: a temporary folder; with "
                        "--checkpoint, the checkpoint's)")
    c.add_argument("--hash-compaction", action="store_true",
                   help="store a 64-bit fingerprint per state instead of the state: less memory, "
                        "but a state may be missed, so nothing is reported as holding (the output "
                        "gives the probability; docs/scale.md)")
    c.add_argument("--checkpoint", metavar="DIR", type=Path,
                   help="write the search's state into DIR/<model>/ at level boundaries (see "
                        "--checkpoint-every) and when it stops (a time limit, Ctrl-C, SIGTERM)")
    c.add_argument("--checkpoint-every", type=positive_float, default=60.0, metavar="SECONDS",
                   help="with --checkpoint: at most one checkpoint per this many seconds "
                        "(default 60; each adds only the states found since the last)")
    c.add_argument("--resume", metavar="DIR", type=Path,
                   help="go on from the checkpoint in DIR/<model>/ (written by --checkpoint DIR) "
                        "and keep checkpointing there; the counts and counterexamples are those of "
                        "an uninterrupted run")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="search on a Dask cluster: a scheduler's address (tcp://host:8786) or "
                        "local:K for K local worker processes; needs pip install 'verifier[cluster]' "
                        "(docs/scale.md)")
    c.add_argument("--full-states", action="store_true", help="print whole states in traces")
    c.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    c.add_argument("--quiet", "-q", action="store_true",
                   help="print only the summary table (no text reports, no progress)")
    c.add_argument("--progress", action="store_true",
                   help="print progress lines on stderr even when it is not a terminal")
    c.add_argument("--report-dir", metavar="DIR", type=Path,
                   help="write report files (md, html, txt, json, itf) under DIR/<model>/, or "
                        "DIR/<model>-N6/ when --const N=6 changed the model's constants; none "
                        "are written without it")
    c.add_argument("--no-reports", action="store_true",
                   help="write no report files, even with --report-dir")
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
    import dataclasses

    from verifier.engine.options import check_options

    opts = check_options(cfg, engine=args.engine, deadlock=args.deadlock,
                         progress=getattr(args, "progress", False) or (
                             not args.quiet and not args.json and sys.stderr.isatty()))
    opts = dataclasses.replace(opts, workers=args.workers, symmetry=not args.no_symmetry,
                               store_mb=args.store_memory,
                               spill_dir=None if args.spill_dir is None else str(args.spill_dir),
                               hash_compaction=args.hash_compaction,
                               checkpoint_every=args.checkpoint_every, cluster=args.cluster)
    folder = args.resume if args.resume is not None else args.checkpoint
    if folder is not None:
        opts = dataclasses.replace(opts, checkpoint_dir=str(folder / cfg.name), resume=args.resume is not None)
    if args.vacuity is not None:
        opts = dataclasses.replace(opts, vacuity_is_error=args.vacuity == "error")
    if args.graph_max_nodes is not None:
        opts = dataclasses.replace(opts, graph_max_nodes=args.graph_max_nodes)
    return opts


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

    diags = Diagnostics(args.json)
    try:
        overrides = parse_const(args.const)
        if args.checkpoint is not None and args.resume is not None:
            raise ConfigError([Diagnostic("U004", "--checkpoint and --resume both given",
                                          hint="--resume DIR goes on checkpointing into DIR; "
                                               "give only one of them")])
        if args.cluster is not None and args.workers > 1:
            raise ConfigError([Diagnostic("U004", "--workers and --cluster both given",
                                          hint="on a cluster each Dask worker expands its own shard: "
                                               "leave out --workers, and start more workers")])
    except SpecError as e:
        if not args.json:
            raise
        diags.error(e)
        sys.stdout.write(json_document([], EXIT_USAGE, diags))
        return EXIT_USAGE
    limits = Limits(states=args.max_states, depth=args.max_depth, time=args.time_limit,
                    memory_mb=args.memory_limit)
    results: list[tuple[str, R.CheckResult | None, int]] = []
    folders: dict[str, str] = {}
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    write = args.report_dir is not None and not args.no_reports and not os.environ.get(
        "VERIFIER_NO_REPORTS")
    stopped = False
    items = list(configs(args.targets))

    def configured(item: ModelConfig) -> ModelConfig:
        return with_overrides(item, constants=overrides or None, limits=limits,
                              properties=args.property, stop_at_first=args.stop_at_first or None)

    ahead = Ahead(items, configured, lambda cfg: _options(cfg, args),
                  enabled=args.workers == 1 and args.cluster is None)
    try:
        for idx, item in enumerate(items):
            ahead.next(idx)
            if isinstance(item, SpecError):
                diags.error(item)
                results.append(("?", None, EXIT_USAGE))
                continue
            cfg = item
            try:
                cfg = configured(item)
                model = load_model(cfg)
                property_warnings(cfg, diags, args.vacuity)
                opts = _options(cfg, args)
                result = run_check(model, opts, expect=dict(cfg.expect))
            except SpecError as e:
                diags.error(e, model=cfg.name)
                results.append((cfg.name, None, EXIT_USAGE))
                continue
            except EngineError as e:
                diags.add(e.diagnostic(), model.source, model=cfg.name)
                results.append((cfg.name, None, EXIT_USAGE))
                continue
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside the search: nothing to report
                results.append((cfg.name, None, EXIT_INCONCLUSIVE))
                stopped = True
                break
            code = exit_code(result)
            results.append((cfg.name, result, code))
            if not args.json and not args.quiet:
                sys.stdout.write(render_text(result, color=color, full_states=args.full_states))
            if write:
                out = write_reports(result, report_folder(args.report_dir, item, cfg),
                                    timings=args.timings, diags=diags)
                folders[cfg.name] = str(out)
                if not args.json and not args.quiet:
                    sys.stdout.write(reports_line(out, result))
            sys.stdout.flush()
            if args.graph is not None:
                from verifier.engine.graph import GraphTooLarge, write_graph_reports

                try:
                    write_graph_reports(model, opts, result, args.graph / cfg.name)
                except GraphTooLarge as e:
                    diags.add(Diagnostic("G001", f"no state graph for {cfg.name}: {e}",
                                         hint="raise --max-nodes of `verifier graph`, or [graph] max_nodes",
                                         severity="warning"), model=cfg.name)
            if interrupted(result):
                stopped = True
                break
    finally:
        ahead.close()
    code = combine([c for _, _, c in results])
    left = len(items) - len(results)
    if stopped:
        diags.warning("interrupted" + (f": {left} more model{'s' if left > 1 else ''} not checked"
                                       if left else ""))
    if args.json:
        extra = {"reports": folders} if folders else {}
        sys.stdout.write(json_document([r for _, r, _ in results if r is not None], code, diags,
                                       **extra))
    elif len(results) > 1 or args.quiet or stopped:
        sys.stdout.write(summary_table([(name, code, r) for name, r, code in results], "states",
                                       lambda r: f"{r.stats.states:,}"))
        if args.quiet and folders:
            sys.stdout.write(f"reports: {args.report_dir}/ ({len(folders)} "
                             f"folder{'s' if len(folders) > 1 else ''}, one per model)\n")
    if args.junit is not None or args.sarif is not None:
        from verifier.testing import write_ci_files

        write_ci_files([(n, r) for n, r, _ in results], args.junit, args.sarif,
                       "the model could not be checked (see the log)")
    return code
