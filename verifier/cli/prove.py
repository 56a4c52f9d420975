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
import contextlib
import dataclasses
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from verifier import results as R
from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_USAGE,
    Diagnostics,
    UsageParser,
    answer_expectations,
    combine,
    exit_code,
    interrupted,
    json_document,
    parse_const,
    property_warnings,
    report_folder,
    reports_line,
    summary_table,
    usage_error,
    write_reports,
)
from verifier.config import ModelConfig, spec_model, with_overrides
from verifier.config import load_model as load_config
from verifier.lang import model as M
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError
from verifier.symbolic.errors import ModelProblem, SymbolicMismatch, Unsupported
from verifier.symbolic.options import BMC, CHC, INDUCTION, KINDUCTION, ProveOptions


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


@contextlib.contextmanager
def solver_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop a solver call within a moment.

    While Z3 solves, the main thread is inside C code and Python runs a signal's handler
    only when the call returns (97 s later, once). The C-level handler still writes the
    signal's number to the wakeup file descriptor; a watchdog thread reading it
    interrupts Z3 (``interrupt_solvers``), the call returns ``unknown``, and the handler
    raises KeyboardInterrupt, which each engine turns into an interrupted result that
    keeps what it had decided."""
    import socket
    import threading

    from verifier.symbolic.solver import interrupt_solvers

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    r, w = socket.socketpair()
    w.setblocking(False)
    previous = signal.set_wakeup_fd(w.fileno(), warn_on_full_buffer=False)

    def watch() -> None:
        while True:
            try:
                data = r.recv(64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data or signal.SIGTERM in data:
                interrupt_solvers()

    watchdog = threading.Thread(target=watch, name="verifier-solver-interrupts", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        w.close()  # the watchdog reads end-of-file and returns
        watchdog.join(timeout=1.0)
        r.close()


def parser(json_errors: bool = False) -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier prove", json_errors=json_errors,
                    description="Prove or refute a spec's properties with Z3: bounded model checking, "
                                "induction, k-induction, Spacer (CHC), or one proof per cluster size. "
                                "Ctrl-C (or SIGTERM) stops within a second and reports what was "
                                "proved so far (exit 3).")
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
    p.add_argument("--json", action="store_true",
                   help="print one JSON document: results, exit code and every diagnostic")
    p.add_argument("--vacuity", choices=("warn", "error"),
                   help="a spec without properties is a warning or an error (default: the model's)")
    p.add_argument("--report-dir", type=Path, metavar="DIR",
                   help="write reports under DIR/<model>/ (DIR/<model>-N6/ when --const N=6 changed "
                        "the model's constants); none are written without it")
    p.add_argument("--no-reports", action="store_true", help="write no report files, even with --report-dir")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write JUnit XML: one test case per property per model")
    p.add_argument("--sarif", type=Path, metavar="FILE",
                   help="also write SARIF 2.1.0 pointing at each failing property in its spec")
    p.add_argument("--full-states", action="store_true", help="print whole states in traces")
    return p


def prove_main(argv: list[str]) -> int:
    """``verifier prove ...``; returns the exit code."""
    as_json = "--json" in argv
    try:
        args = parser(as_json).parse_args(argv)
    except ConfigError as e:
        return usage_error(e, as_json)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    diags = Diagnostics(args.json)
    target = Path(args.target)
    with solver_interrupts():
        if target.is_dir():
            return _folder(args, target, diags)
        try:
            code, result, extra = _guarded(args, diags, lambda: _config(args))
        except KeyboardInterrupt:  # outside an engine (loading the spec): nothing to report
            code, result, extra = EXIT_INCONCLUSIVE, None, {}
            diags.warning("interrupted")
    if args.json and "sizes" not in extra:
        sys.stdout.write(json_document([result] if result is not None else [], code, diags, **extra))
    elif args.json:
        sys.stdout.write(json_document([], code, diags, **extra))
    _ci_files(args, [(target.stem, code, result)])
    return code


def _ci_files(args: argparse.Namespace, runs: list[tuple[str, int, R.CheckResult | None]]) -> None:
    """``--junit FILE`` / ``--sarif FILE``: the same files ``verifier check`` writes."""
    if args.junit is not None or args.sarif is not None:
        from verifier.testing import write_ci_files

        write_ci_files([(n, r) for n, _, r in runs], args.junit, args.sarif,
                       "the model could not be proved (see the log)")


Run = tuple[int, R.CheckResult | None, dict[str, Any]]


def _guarded(args: argparse.Namespace, diags: Diagnostics, make: Any) -> Run:
    """Run one target (``make()`` gives its configuration); every user-facing error
    becomes a diagnostic and its exit code, never a traceback."""
    name = Path(args.target).stem
    try:
        return _run(args, make(), diags)
    except SpecError as e:
        diags.error(e, model=name)
    except Unsupported as e:
        diags.add(Diagnostic("S001", f"{args.target}: the symbolic engine does not support this spec: "
                                     f"{e.describe()}", hint=e.hint), model=name)
    except ModelProblem as e:
        diags.add(Diagnostic("S002", f"{args.target}: {e.message}", hint=e.hint), model=name)
    except SymbolicMismatch as e:
        sys.stderr.write(f"verifier: internal error: the symbolic engine and the reference semantics "
                         f"disagree: {e}\n  this is a bug in verifier, not in your spec: please report it "
                         "with the command and the spec\n")
        return EXIT_INTERNAL, None, {}
    return EXIT_USAGE, None, {}


def _folder(args: argparse.Namespace, folder: Path, diags: Diagnostics) -> int:
    """Every model of a folder, one after the other, then a summary table (the most
    severe exit code wins, as for ``verifier check``)."""
    from verifier.config import discover_models

    if args.sizes is not None:
        diags.add(Diagnostic("U006", f"{args.target}: --sizes proves one model for a range of sizes",
                             hint="pass one model (.toml) or spec (.fsl), not a folder"))
        return _folder_done(args, [], EXIT_USAGE, diags)
    try:
        paths = discover_models(folder)
    except SpecError as e:
        diags.error(e)
        return _folder_done(args, [], EXIT_USAGE, diags)
    runs: list[tuple[str, int, R.CheckResult | None]] = []
    for path in paths:
        one = argparse.Namespace(**{**vars(args), "target": str(path), "json": False,
                                    "quiet": args.json})
        try:
            code, result, _ = _guarded(one, diags, lambda path=path: _config_of(path, args))
        except KeyboardInterrupt:
            runs.append((path.stem, EXIT_INCONCLUSIVE, None))
            break
        runs.append((path.stem, code, result))
        if result is not None and interrupted(result):
            break
    if len(runs) < len(paths) or any(r is not None and interrupted(r) for _, _, r in runs):
        left = len(paths) - len(runs)
        diags.warning("interrupted" + (f": {left} more model{'s' if left > 1 else ''} not proved"
                                       if left else ""))
    code = combine([c for _, c, _ in runs])
    _ci_files(args, runs)
    return _folder_done(args, runs, code, diags)


def _folder_done(args: argparse.Namespace, runs: list[tuple[str, int, R.CheckResult | None]], code: int,
                 diags: Diagnostics) -> int:
    if args.json:
        sys.stdout.write(json_document([r for _, _, r in runs if r is not None], code, diags))
    elif runs:
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


def _run(args: argparse.Namespace, cfg: ModelConfig, diags: Diagnostics) -> Run:
    from verifier.config.load import load_model

    opts = _options(args, cfg)
    expect = dict(cfg.expect)
    if args.sizes is not None:
        return _sizes(args, cfg, opts, expect, diags)
    model = load_model(cfg)  # unknown names in [check] properties or [expect] are C014 here
    property_warnings(cfg, diags, args.vacuity)
    live = [p.name for p in model.liveness if opts.properties is None or p.name in opts.properties]
    if live:
        diags.add(Diagnostic("P001", f"liveness {', '.join(live)} {'is' if len(live) == 1 else 'are'} "
                                     "checked by `verifier check`, not by the symbolic engine",
                             severity="note"), model=cfg.name)
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
    result = answer_expectations(result, expect, "`verifier prove` does not decide it; "
                                                 "`verifier check` does")
    code = exit_code(result)
    extra: dict[str, Any] = {}
    if opts.mode == CHC:
        extra["invariants"] = [{"property": f.prop, "fsl": f.text, "checked": f.checked} for f in found]
    quiet = args.json or getattr(args, "quiet", False)  # a folder with --json: one document at the end
    if not quiet:
        sys.stdout.write(_text(result, args))
        if found:
            sys.stdout.write(_invariants_text(found))
    if args.report_dir is not None and not args.no_reports:
        original = load_config(cfg.path) if cfg.path is not None else spec_model(cfg.spec)
        out = write_reports(result, report_folder(args.report_dir, original, cfg), timings=False,
                            diags=diags)
        if not quiet:
            sys.stdout.write(reports_line(out, result))
    return code, result, extra


def _sizes(args: argparse.Namespace, cfg: ModelConfig, opts: ProveOptions, expect: dict[str, str],
           diags: Diagnostics) -> Run:
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
        return model

    # the table needs verdicts, not the classification of counterexamples to induction
    rows = run_sizes(load, lo, hi, dataclasses.replace(opts, reach_limit=0, minimize=False), expect)
    code = combine([exit_code(r.result) for r in rows])
    extra: dict[str, Any] = {}
    if args.json:
        from verifier.reports.jsonio import result_to_dict

        extra = {"constant": args.const_name,
                 "sizes": [{"value": r.value, "summary": r.summary, "seconds": r.seconds,
                            "result": result_to_dict(r.result)} for r in rows]}
    else:
        sys.stdout.write(f"Invariants of {cfg.name} by induction, {args.const_name} = {lo}..{hi}\n\n")
        sys.stdout.write(render_table(rows, args.const_name))
    if rows and interrupted(rows[-1].result):
        diags.warning(f"interrupted at {args.const_name} = {rows[-1].value}")
    if args.report_dir is not None and not args.no_reports:
        for r in rows:
            write_reports(r.result, args.report_dir / f"{cfg.name}-{args.const_name}{r.value}",
                          timings=False, diags=diags)
    return code, None, extra


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
