"""The command line: ``verifier check | fmt | graph | report``.

Parses flags into a ``ModelConfig`` plus ``CheckOptions``, runs the engine, prints the
report, and maps outcomes to the documented exit codes: 0 every checked property holds
(or matches the model's expectation), 1 a property is violated (or an expectation is
not met), 2 a usage, spec or configuration error, 3 inconclusive, 4 an internal error.
No Python traceback reaches the user.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from verifier import results as R
from verifier.config import (
    Limits,
    ModelConfig,
    discover_models,
    spec_model,
    with_overrides,
)
from verifier.config import (
    load_model as load_config,
)
from verifier.diagnostics import ConfigError, Diagnostic, SpecError

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4
_SEVERITY = {EXIT_OK: 0, EXIT_INCONCLUSIVE: 1, EXIT_VIOLATED: 2, EXIT_USAGE: 3, EXIT_INTERNAL: 4}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"verifier: error[U001]: {message}\n  hint: see `{self.prog} --help`\n")
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verifier", description="A model checker for failover protocols.")
    p.add_argument("--version", action="version", version=f"verifier {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("check", help="explore every reachable state of models or specs")
    c.add_argument("targets", nargs="+", metavar="TARGET",
                   help="a spec (.fsl), a model (.toml), or a folder of models")
    c.add_argument("--json", action="store_true", help="print results as JSON (schema in docs)")
    c.add_argument("--stop-at-first", action="store_true", help="stop at the first violation")
    c.add_argument("--max-states", type=_positive, metavar="N")
    c.add_argument("--max-depth", type=_positive, metavar="N")
    c.add_argument("--time-limit", type=_positive_float, metavar="SECONDS")
    c.add_argument("--memory-limit", type=_positive, metavar="MIB")
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

    f = sub.add_parser("fmt", help="print a spec in canonical form (or rewrite it: --write)")
    f.add_argument("files", metavar="FILE", type=Path, nargs="+")
    mode = f.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="exit 1 if a file is not in canonical form (and name it)")
    mode.add_argument("--write", "-w", action="store_true",
                      help="rewrite each file in canonical form (only when it parses)")

    g = sub.add_parser("graph", help="write the explored state graph as DOT and GraphML")
    g.add_argument("target", metavar="TARGET", help="a spec (.fsl) or a model (.toml)")
    g.add_argument("--out", type=Path, default=Path("graphs"), help="output folder")
    g.add_argument("--max-nodes", type=_positive, metavar="N")

    # These three parse their own flags (see their modules); listed here for --help.
    for name, text in (("report", "re-render a saved result.json (verifier/reports/cli.py)"),
                       ("prove", "symbolic checks with Z3: --bmc K, --induction, --kinduction K, --chc"),
                       ("fuzz", "search large models by random behaviours (Hypothesis)")):
        sub.add_parser(name, help=text, add_help=False).add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _version() -> str:
    from verifier import __version__

    return __version__


def _positive(text: str) -> int:
    try:
        v = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def _parse_const(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError([Diagnostic("U002", f"--const {item!r}: expected NAME=VALUE",
                                          hint="for example --const N=4 or --const FIX=true")])
        raw = raw.strip()
        value: Any
        if raw in ("true", "false"):
            value = raw == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                value = raw
        out[name.strip()] = value
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args_list)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("verifier: interrupted\n")
        return EXIT_INCONCLUSIVE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the last line of defence: no bare traceback for users
        import traceback

        where = traceback.extract_tb(e.__traceback__)[-1]
        sys.stderr.write(
            f"verifier: internal error: {type(e).__name__}: {e}\n"
            f"  at {Path(where.filename).name}:{where.lineno}\n"
            "  this is a bug in verifier, not in your spec: please report it with the command "
            "and the spec (set VERIFIER_DEBUG=1 for the full traceback)\n")
        if os.environ.get("VERIFIER_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL


def _main(argv: list[str]) -> int:
    parser = _parser()
    if argv and argv[0] == "report":
        from verifier.reports.cli import report_main

        return report_main(argv[1:])
    if argv and argv[0] == "fuzz":
        from verifier.fuzz import fuzz_main

        return fuzz_main(argv[1:])
    if argv and argv[0] == "prove":
        from verifier.symbolic.cli import prove_main

        return prove_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "fmt":
            return _fmt(args)
        if args.command == "graph":
            return _graph(args)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    return EXIT_USAGE


def _configs(targets: list[str]) -> list[ModelConfig | SpecError]:
    out: list[ModelConfig | SpecError] = []
    for t in targets:
        path = Path(t)
        try:
            if path.is_dir():
                for m in discover_models(path):
                    try:
                        out.append(load_config(m))
                    except SpecError as e:
                        out.append(e)
            elif path.suffix == ".toml":
                out.append(load_config(path))
            elif path.suffix == ".fsl" or not path.exists():
                if not path.exists():
                    raise ConfigError([Diagnostic(
                        "U003", f"no such file or folder: {t}",
                        hint="pass a spec (.fsl), a model (.toml) or a folder of models")])
                out.append(spec_model(path))
            else:
                raise ConfigError([Diagnostic(
                    "U003", f"{t}: not a spec (.fsl) or a model (.toml)",
                    hint="pass a spec (.fsl), a model (.toml) or a folder of models")])
        except SpecError as e:
            out.append(e)
    return out


def _options(cfg: ModelConfig, args: argparse.Namespace) -> Any:
    from verifier.load import check_options

    return check_options(cfg, engine=args.engine, deadlock=args.deadlock,
                         progress=getattr(args, "progress", False) or (
                             not args.quiet and not args.json and sys.stderr.isatty()))


def exit_code(result: R.CheckResult) -> int:
    """The documented exit code of one result."""
    code = EXIT_OK
    for p in result.properties:
        ok = p.as_expected
        if ok is False and p.verdict != R.INCONCLUSIVE:
            return EXIT_VIOLATED
        if ok is None:
            if p.verdict == R.VIOLATED or (p.verdict == R.VACUOUS and result.vacuity_is_error):
                return EXIT_VIOLATED
        if p.verdict == R.INCONCLUSIVE:
            code = EXIT_INCONCLUSIVE
    if not result.complete and code == EXIT_OK and not any(
            p.verdict == R.VIOLATED for p in result.properties):
        code = EXIT_INCONCLUSIVE
    return code


def _check(args: argparse.Namespace) -> int:
    from verifier.engine import EngineError, run_check
    from verifier.load import load_model

    overrides = _parse_const(args.const)
    limits = Limits(states=args.max_states, depth=args.max_depth, time=args.time_limit,
                    memory_mb=args.memory_limit)
    results: list[tuple[str, R.CheckResult | None, int]] = []
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    for item in _configs(args.targets):
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
                _check_property_names(model, opts.properties, cfg)
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
        sys.stdout.write(_render_text(result, color=color, full_states=args.full_states))
        sys.stdout.flush()
        if not args.no_reports and not os.environ.get("VERIFIER_NO_REPORTS"):
            _write_reports(result, args.report_dir / cfg.name, timings=args.timings)
        if args.graph is not None:
            from verifier.graph import GraphTooLarge, write_graph_reports

            try:
                write_graph_reports(model, opts, result, args.graph / cfg.name)
            except GraphTooLarge as e:
                sys.stderr.write(f"verifier: warning: no state graph for {cfg.name}: {e}\n")
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        doc = {"schema_version": R.SCHEMA_VERSION,
               "results": [result_to_dict(r) for _, r, _ in results if r is not None],
               "exit_code": _combine([c for _, _, c in results])}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    elif len(results) > 1:
        sys.stdout.write(_summary_table(results))
    if args.junit is not None or args.sarif is not None:
        from verifier.ci import write_ci_files

        write_ci_files([(n, r) for n, r, _ in results], args.junit, args.sarif,
                       "the model could not be checked (see the log)")
    return _combine([c for _, _, c in results])


def _check_property_names(model: Any, names: tuple[str, ...], cfg: ModelConfig) -> None:
    """C014 for each name that is not an invariant, reachable or liveness property."""
    from verifier.diagnostics import did_you_mean

    known = [p.name for p in model.properties if p.kind in ("invariant", "reachable")]
    known += [p.name for p in model.liveness]
    bad = [n for n in names if n not in known]
    if bad:
        diags = []
        for n in bad:
            best = did_you_mean(n, known)
            diags.append(Diagnostic(
                "C014", f"the spec has no invariant, reachable or liveness property `{n}`",
                cfg.key_span("check", "properties") if cfg.path else Diagnostic("", "").span,
                f"did you mean `{best}`?" if best else f"its properties are: {', '.join(known)}"))
        raise ConfigError(diags)


def _combine(codes: list[int]) -> int:
    return max(codes, key=lambda c: _SEVERITY[c]) if codes else EXIT_USAGE


def _render_text(result: R.CheckResult, *, color: bool, full_states: bool) -> str:
    from verifier.reports.text import render_text

    return render_text(result, color=color, full_states=full_states)


def _write_reports(result: R.CheckResult, out: Path, *, timings: bool) -> None:
    from verifier.reports import write_reports

    if not timings:
        result = without_timings(result)
    write_reports(result, out)


def without_timings(result: R.CheckResult) -> R.CheckResult:
    """The result without run-dependent numbers (time, memory), for byte-identical reports."""
    stats = dataclasses.replace(result.stats, seconds=0.0, peak_memory_mb=0.0)
    return dataclasses.replace(result, stats=stats)


def _summary_table(results: list[tuple[str, R.CheckResult | None, int]]) -> str:
    return summary_table([(name, code, r) for name, r, code in results], "states",
                         lambda r: f"{r.stats.states:,}")


def summary_table(runs: list[tuple[str, int, R.CheckResult | None]], column: str,
                  cell: Any) -> str:
    """The table after a run over several models (``verifier check``, ``verifier prove``):
    model, one ``column`` (``cell(result)``), the verdict counts and the outcome."""
    names = {EXIT_OK: "ok", EXIT_VIOLATED: "VIOLATED", EXIT_USAGE: "ERROR",
             EXIT_INCONCLUSIVE: "inconclusive", EXIT_INTERNAL: "INTERNAL"}
    rows = [("model", column, "verdicts", "outcome")]
    for name, code, r in runs:
        if r is None:
            rows.append((name, "-", "-", names[code]))
            continue
        counts: dict[str, int] = {}
        for p in r.properties:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        outcome = names[code]
        if code == EXIT_OK and any(p.expected for p in r.properties):
            outcome = "ok (as expected)"
        rows.append((name, str(cell(r)), verdicts, outcome))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["", "Summary"]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _fmt(args: argparse.Namespace) -> int:
    """Every file is parsed before any is written: a file with errors is reported and
    left alone, and so are the others (exit 2)."""
    from verifier.formatter import format_spec
    from verifier.parser import parse, read_spec_text

    outputs: list[tuple[Path, str, str]] = []
    errors: list[SpecError] = []
    for path in args.files:
        try:
            text = read_spec_text(path)
            outputs.append((path, text, format_spec(parse(text, str(path)), text)))
        except SpecError as e:
            errors.append(e)
    if errors:
        for err in errors:
            sys.stderr.write(err.render() + "\n")
        return EXIT_USAGE
    code = EXIT_OK
    for path, text, out in outputs:
        if args.check:
            if out != text:
                sys.stderr.write(f"{path}: not in canonical form (run `verifier fmt --write {path}`)\n")
                code = EXIT_VIOLATED
        elif args.write:
            if out != text:
                path.write_text(out, encoding="utf-8")
                sys.stderr.write(f"{path}: reformatted\n")
        else:
            sys.stdout.write(out)
    return code


def _graph(args: argparse.Namespace) -> int:
    from verifier.engine import EngineError
    from verifier.graph import GraphTooLarge, build_graph, summarize, write_graph
    from verifier.load import check_options, load_model

    items = _configs([args.target])
    item = items[0]
    if isinstance(item, SpecError):
        raise item
    cfg = item
    if args.max_nodes:
        cfg = dataclasses.replace(cfg, graph_max_nodes=args.max_nodes)
    model = load_model(cfg)
    opts = check_options(cfg)
    try:
        g = build_graph(model, opts)
        paths = write_graph(model, opts, args.out / cfg.name, g)
    except (GraphTooLarge, EngineError) as e:
        sys.stderr.write(f"verifier: error[G001]: {e}\n  hint: raise the limit with --max-nodes "
                         "or [graph] max_nodes, or shrink the model's constants\n")
        return EXIT_USAGE
    s = summarize(g)
    sys.stdout.write(f"{s.nodes:,} states, {s.edges:,} edges, {s.initial} initial, "
                     f"{s.terminal} terminal (no successor), {s.sccs} strongly connected "
                     f"components (largest {s.largest_scc:,}), longest shortest path from an "
                     f"initial state {s.max_distance}\n")
    for p in paths:
        sys.stdout.write(f"wrote {p}\n")
    return EXIT_OK
