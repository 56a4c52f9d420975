"""The command line (the last stage): ``verifier check | fmt | graph | report | prove | fuzz |
simulate | replay | explore | lsp``.

``main`` is the console script (``verifier = "verifier.cli:main"``) and ``python -m
verifier``: it hands each command to its module, one module per command (``check``,
``fmt``, ``graph``, ``report``, ``prove``, ``fuzz``, ``simulate``, ``replay``, ``explore``, ``lsp``)
on the shared ``common`` (exit codes,
flag types, targets, property names, the summary table), and it is the last line of
defence: no Python traceback reaches a user, an interrupt is inconclusive (exit 3), so
is running out of memory, and an unexpected exception is an internal error (exit 4).
SIGTERM (what ``timeout`` and CI job killers send) takes the path of Ctrl-C: the
commands report what they found so far as inconclusive, then exit. ``check``, ``fmt``,
``graph`` and ``lsp`` add their flags to the main parser; ``report``, ``prove`` and ``fuzz``
parse their own.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from verifier.cli import check, fmt, graph, lsp
from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    JsonUsageParser,
    UsageParser,
    usage_error,
    version,
)
from verifier.lang.diagnostics import ConfigError, SpecError

__all__ = ["main"]


def _parser(json_errors: bool = False) -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier", description="A model checker for failover protocols.",
                    json_errors=json_errors)
    p.add_argument("--version", action="version", version=f"verifier {version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND",
                           parser_class=JsonUsageParser if json_errors else UsageParser)
    for command in (check, fmt, graph, lsp):
        command.add_parser(sub)
    # These parse their own flags (see their modules); listed here for --help.
    for name, text in (("report", "re-render a saved result.json (verifier/cli/report.py)"),
                       ("prove", "symbolic checks with Z3: --bmc K, --induction, --kinduction K, --chc"),
                       ("fuzz", "search large models by random behaviours (Hypothesis)"),
                       ("simulate", "seeded random walks that check invariants, for large models"),
                       ("replay", "check an observed log (JSON lines, or vendor lines) against a spec"),
                       ("explore", "walk a spec step by step in a local web page")):
        sub.add_parser(name, help=text, add_help=False).add_argument("rest", nargs=argparse.REMAINDER)
    return p


# A run builds large, long-lived structures (syntax trees, models, state graphs) and few
# reference cycles: at CPython's default thresholds the cycle collector keeps walking
# them, which cost about 40% of `verifier check models/`. Collect far less often.
GC_THRESHOLDS = (100_000, 50, 100)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        with sigterm_as_interrupt():
            return _main(args_list)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("verifier: interrupted\n")
        return EXIT_INCONCLUSIVE
    except MemoryError:
        sys.stderr.write("verifier: out of memory: the run is inconclusive\n"
                         "  hint: set --memory-limit below the machine's memory to stop the search "
                         "in time with its statistics, or shrink the model's constants\n")
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
    finally:
        gc.set_threshold(*old)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt while the command runs (in the main thread only:
    a signal handler cannot be installed from another one)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    as_json = "--json" in argv
    parser = _parser(json_errors=as_json)
    if argv and argv[0] == "report":
        from verifier.cli.report import report_main

        return report_main(argv[1:])
    if argv and argv[0] == "fuzz":
        from verifier.cli.fuzz import fuzz_main

        return fuzz_main(argv[1:])
    if argv and argv[0] == "prove":
        from verifier.cli.prove import prove_main

        return prove_main(argv[1:])
    if argv and argv[0] == "simulate":
        from verifier.cli.simulate import simulate_main

        return simulate_main(argv[1:])
    if argv and argv[0] == "replay":
        from verifier.cli.replay import replay_main

        return replay_main(argv[1:])
    if argv and argv[0] == "explore":
        from verifier.cli.explore import explore_main

        return explore_main(argv[1:])
    try:
        args = parser.parse_args(argv)
    except ConfigError as e:  # a usage error with --json (UsageParser)
        return usage_error(e, as_json)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "check":
            return check.run(args)
        if args.command == "fmt":
            return fmt.run(args)
        if args.command == "graph":
            return graph.run(args)
        if args.command == "lsp":
            return lsp.run(args)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    return EXIT_USAGE
