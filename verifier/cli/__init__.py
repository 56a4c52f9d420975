"""The command line (the last stage): ``verifier check | fmt | graph | report | prove | fuzz | lsp``.

``main`` is the console script (``verifier = "verifier.cli:main"``) and ``python -m
verifier``: it hands each command to its module, one module per command (``check``,
``fmt``, ``graph``, ``report``, ``prove``, ``fuzz``, ``lsp``) on the shared ``common`` (exit codes,
flag types, targets, property names, the summary table), and it is the last line of
defence: no Python traceback reaches a user, an interrupt is inconclusive (exit 3) and
an unexpected exception an internal error (exit 4). ``check``, ``fmt``, ``graph`` and ``lsp`` add
their flags to the main parser; ``report``, ``prove`` and ``fuzz`` parse their own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from verifier.cli import check, fmt, graph, lsp
from verifier.cli.common import EXIT_INCONCLUSIVE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageParser, version
from verifier.lang.diagnostics import SpecError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier", description="A model checker for failover protocols.")
    p.add_argument("--version", action="version", version=f"verifier {version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=UsageParser)
    for command in (check, fmt, graph, lsp):
        command.add_parser(sub)
    # These three parse their own flags (see their modules); listed here for --help.
    for name, text in (("report", "re-render a saved result.json (verifier/cli/report.py)"),
                       ("prove", "symbolic checks with Z3: --bmc K, --induction, --kinduction K, --chc"),
                       ("fuzz", "search large models by random behaviours (Hypothesis)")):
        sub.add_parser(name, help=text, add_help=False).add_argument("rest", nargs=argparse.REMAINDER)
    return p


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
        from verifier.cli.report import report_main

        return report_main(argv[1:])
    if argv and argv[0] == "fuzz":
        from verifier.cli.fuzz import fuzz_main

        return fuzz_main(argv[1:])
    if argv and argv[0] == "prove":
        from verifier.cli.prove import prove_main

        return prove_main(argv[1:])
    args = parser.parse_args(argv)
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
