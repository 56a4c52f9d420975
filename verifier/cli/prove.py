"""``verifier prove TARGET [mode] [options]``: the command line of the symbolic engine.

Modes (one at a time; ``--induction`` when none is given): ``--bmc K``, ``--induction``,
``--kinduction K``, ``--chc``, ``--sizes LO..HI [--const-name N]``. Exit codes, as for
``verifier check``: 0 every property proved (or holds as far as the mode decides, or
matches the model's expectation), 1 a property violated (a counterexample was found and
confirmed by the reference semantics; a counterexample to induction counts only when its
pre-state is reachable), 2 a usage, spec or configuration error (including a construct
the symbolic engine does not support), 3 inconclusive (a bound, a solver's ``unknown``,
or an invariant that holds as far as we know but is not inductive), 4 an internal error
(e.g. a solver trace the reference semantics does not confirm).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from verifier import results as R
from verifier.cli.common import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    check_property_names,
    combine,
    exit_code,
    parse_const,
    summary_table,
    write_reports,
)
from verifier.config import ModelConfig, spec_model, with_overrides
from verifier.config import load_model as load_config
from verifier.lang import model as M
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError
from verifier.symbolic.errors import ModelProblem, SymbolicMismatch, Unsupported
from verifier.symbolic.options import BMC, CHC, INDUCTION, KINDUCTION, ProveOptions


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's exit code 2 is ours too; keep the text short
        self.print_usage(sys.stderr)
        sys.stderr.write(f"verifier prove: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return v


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verifier prove",
                description="Prove or refute a spec's properties with Z3: bounded model checking, "
                            "induction, k-induction, Spacer (CHC), or one proof per cluster size.")
    p.add_argument("target", metavar="TARGET", help="a spec (.fsl), a model (.toml) or a folder of models")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--bmc", type=_positive, metavar="K", help="bounded model checking to depth K")
    mode.add_argument("--induction", action="store_true",
                      help="prove the invariants inductively, together (the default mode)")
    mode.add_argument("--kinduction", type=_positive, metavar="K", help="k-induction up to k = K")
    mode.add_argument("--chc", action="store_true",
                      help="unbounded proof with Spacer; prints the inductive invariant found")
    mode.add_argument("--sizes", metavar="LO..HI", help="prove the invariants for each value of a "
                      "size constant (see --const-name) and print a table")
    p.add_argument("--const-name", metavar="N", default="N", help="the size constant of --sizes (default N)")
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                   help="seconds per solver call (default 60); a timeout makes the result inconclusive")
    p.add_argument("--property", action="append", metavar="NAME", help="prove only this property (repeatable)")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--report-dir", type=Path, metavar="DIR", help="write reports under DIR/<model>/")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write JUnit XML: one test case per property per model")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write SARIF 2.1.0 pointing at each failing property in its spec")
    p.add_argument("--full-states", action="store_true", help="print whole states in traces")
    return p


def prove_main(argv: list[str]) -> int:
    """``verifier prove ...``; returns the exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    target = Path(args.target)
    if not target.is_dir():
        code, result = _guarded(args, lambda: _config(args))
        _ci_files(args, [(target.stem, code, result)])
        return code
    return _folder(args, target)


def _ci_files(args: argparse.Namespace, runs: list[tuple[str, int, R.CheckResult | None]]) -> None:
    """``--junit FILE`` / ``--sarif FILE``: the same files ``verifier check`` writes."""
    if args.junit is not None or args.sarif is not None:
        from verifier.testing import write_ci_files

        write_ci_files([(n, r) for n, _, r in runs], args.junit, args.sarif,
                       "the model could not be proved (see the log)")


def _guarded(args: argparse.Namespace, make: Any) -> tuple[int, R.CheckResult | None]:
    """Run one target (``make()`` gives its configuration); every user-facing error
    becomes a message on stderr and its exit code, never a traceback."""
    try:
        return _run(args, make())
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
    except Unsupported as e:
        sys.stderr.write(f"{args.target}: error[S001]: the symbolic engine does not support this spec: "
                         f"{e.describe()}\n  hint: {e.hint}\n")
    except ModelProblem as e:
        sys.stderr.write(f"{args.target}: error[S002]: {e.message}\n  hint: {e.hint}\n")
    except SymbolicMismatch as e:
        sys.stderr.write(f"verifier: internal error: the symbolic engine and the reference semantics "
                         f"disagree: {e}\n  this is a bug in verifier, not in your spec: please report it "
                         "with the command and the spec\n")
        return EXIT_INTERNAL, None
    return EXIT_USAGE, None


def _folder(args: argparse.Namespace, folder: Path) -> int:
    """Every model of a folder, one after the other, then a summary table (the most
    severe exit code wins, as for ``verifier check``)."""
    from verifier.config import discover_models

    if args.sizes is not None:
        sys.stderr.write(f"{args.target}: error[U006]: --sizes proves one model for a range of sizes\n"
                         "  hint: pass one model (.toml) or spec (.fsl), not a folder\n")
        return EXIT_USAGE
    try:
        paths = discover_models(folder)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    runs: list[tuple[str, int, R.CheckResult | None]] = []
    for path in paths:
        one = argparse.Namespace(**{**vars(args), "target": str(path), "json": False,
                                    "quiet": args.json})
        code, result = _guarded(one, lambda path=path: _config_of(path, args))
        runs.append((path.stem, code, result))
    code = combine([c for _, c, _ in runs])
    _ci_files(args, runs)
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        doc = {"schema_version": R.SCHEMA_VERSION, "exit_code": code,
               "results": [result_to_dict(r) for _, _, r in runs if r is not None]}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(_summary(runs))
    return code


def _summary(runs: list[tuple[str, int, R.CheckResult | None]]) -> str:
    return summary_table(runs, "engine", lambda r: r.engine)


def _config(args: argparse.Namespace) -> ModelConfig:
    path = Path(args.target)
    if not path.exists() or path.is_dir() or path.suffix not in (".fsl", ".toml"):
        what = "no such file" if not path.exists() else "not a spec (.fsl) or a model (.toml)"
        raise ConfigError([Diagnostic("U003", f"{args.target}: {what}",
                                      hint="pass a spec (.fsl), a model (.toml) or a folder of models")])
    return _config_of(path, args)


def _config_of(path: Path, args: argparse.Namespace) -> ModelConfig:
    cfg = load_config(path) if path.suffix == ".toml" else spec_model(path)
    consts = parse_const(args.const)
    return with_overrides(cfg, constants=consts or None, properties=args.property)


def _options(args: argparse.Namespace, cfg: ModelConfig) -> ProveOptions:
    mode, depth = INDUCTION, 10
    if args.bmc is not None:
        mode, depth = BMC, args.bmc
    elif args.kinduction is not None:
        mode, depth = KINDUCTION, args.kinduction
    elif args.chc:
        mode = CHC
    return ProveOptions(mode=mode, depth=depth, timeout=args.timeout, properties=cfg.properties)


def _check_names(model: M.Model, names: tuple[str, ...] | None, cfg: ModelConfig) -> None:
    if names is not None:
        check_property_names(model, names, cfg)


def _run(args: argparse.Namespace, cfg: ModelConfig) -> tuple[int, R.CheckResult | None]:
    from verifier.config.load import load_model

    opts = _options(args, cfg)
    expect = dict(cfg.expect)
    if args.sizes is not None:
        return _sizes(args, cfg, opts, expect), None
    model = load_model(cfg)
    _check_names(model, opts.properties, cfg)
    live = [p.name for p in model.liveness if opts.properties is None or p.name in opts.properties]
    if live:
        sys.stderr.write(f"verifier prove: note: liveness {', '.join(live)} "
                         f"{'is' if len(live) == 1 else 'are'} checked by `verifier check`, "
                         "not by the symbolic engine\n")
    found: list[Any] = []
    if opts.mode == BMC:
        from verifier.symbolic.bmc import run_bmc

        result = run_bmc(model, opts, expect=expect)
    elif opts.mode == KINDUCTION:
        from verifier.symbolic.kinduction import run_kinduction

        result = run_kinduction(model, opts, expect=expect)
    elif opts.mode == CHC:
        from verifier.symbolic.chc import run_chc

        result, found = run_chc(model, opts, expect=expect)
    else:
        from verifier.symbolic.induction import run_induction

        result = run_induction(model, opts, expect=expect)
    code = exit_code(result)
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        doc: dict[str, Any] = {"schema_version": R.SCHEMA_VERSION, "results": [result_to_dict(result)],
                               "exit_code": code}
        if opts.mode == CHC:
            doc["invariants"] = [{"property": f.prop, "fsl": f.text, "checked": f.checked} for f in found]
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    elif not getattr(args, "quiet", False):  # a folder with --json prints one document at the end
        sys.stdout.write(_text(result, args))
        if found:
            sys.stdout.write(_invariants_text(found))
    if args.report_dir is not None:
        write_reports(result, args.report_dir / cfg.name, timings=False)
    return code, result


def _sizes(args: argparse.Namespace, cfg: ModelConfig, opts: ProveOptions, expect: dict[str, str]) -> int:
    from verifier.config.load import load_model
    from verifier.symbolic.sizes import parse_range, render_table, run_sizes

    try:
        lo, hi = parse_range(args.sizes)
    except ValueError as e:
        raise ConfigError([Diagnostic("U004", f"--sizes: {e}", hint="for example --sizes 3..12")]) from None

    def load(n: int) -> M.Model:
        model = load_model(with_overrides(cfg, constants={args.const_name: n}))
        if not any(c[0] == args.const_name for c in model.constants):
            raise ConfigError([Diagnostic("U005", f"the spec has no constant `{args.const_name}`",
                                          hint="name the size constant with --const-name")])
        _check_names(model, opts.properties, cfg)
        return model

    # the table needs verdicts, not the classification of counterexamples to induction
    rows = run_sizes(load, lo, hi, dataclasses.replace(opts, reach_limit=0, minimize=False), expect)
    code = combine([exit_code(r.result) for r in rows])
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        doc = {"schema_version": R.SCHEMA_VERSION, "exit_code": code, "constant": args.const_name,
               "sizes": [{"value": r.value, "summary": r.summary, "seconds": r.seconds,
                          "result": result_to_dict(r.result)} for r in rows]}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(f"Invariants of {cfg.name} by induction, {args.const_name} = {lo}..{hi}\n\n")
        sys.stdout.write(render_table(rows, args.const_name))
    if args.report_dir is not None:
        for r in rows:
            write_reports(r.result, args.report_dir / f"{cfg.name}-{args.const_name}{r.value}", timings=False)
    return code


def _text(result: R.CheckResult, args: argparse.Namespace) -> str:
    from verifier.reports.text import render_text

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return render_text(result, color=color, full_states=args.full_states)


def _invariants_text(found: list[Any]) -> str:
    lines = ["", "Inductive invariants found by Spacer (paste into the spec as invariants):"]
    for f in found:
        lines.append("")
        if f.text is None:
            lines.append(f"  # {f.prop}: {f.checked}")
            continue
        lines.append(f"  # implies {f.prop}; re-checked: {f.checked or 'not re-checked'}")
        lines.append(f"  invariant {f.prop}Inductive:")
        lines += ["    " + ln.strip() for ln in f.text.splitlines()]
    return "\n".join(lines) + "\n"
