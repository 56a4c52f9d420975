"""``verifier report RESULT.json --format FMT [--out FILE]``: re-render a saved result.

Re-renders a saved result (``verifier/reports/``) without re-running the check.
``report_main`` returns the exit code: 0 on success, 2 on any usage or input error
(message on stderr, no traceback). The main ``verifier`` CLI dispatches its ``report``
subcommand here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from verifier.cli.common import EXIT_OK, EXIT_USAGE
from verifier.lang.diagnostics import SpecError
from verifier.reports import render
from verifier.reports.jsonio import result_from_json


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors to the caller instead of exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: error: {message}\n{self.format_usage().rstrip()}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)


def _parser() -> _Parser:
    p = _Parser(prog="verifier report",
                description="Render a saved result (result.json) without re-running the check.")
    p.add_argument("result", metavar="RESULT.json", help="a result.json written by verifier check")
    p.add_argument("--format", "-f", choices=["text", "md", "html", "json"], default="text",
                   help="output format (default: text)")
    p.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--full-states", action="store_true",
                   help="text: print every state in full, not only the changes")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="text: ANSI colour (auto: when writing to a terminal)")
    return p


def report_main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else EXIT_OK

    path = Path(args.result)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        print(f"verifier report: cannot read {path}: {reason}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = result_from_json(text, source=str(path))
        opts: dict[str, bool] = {}
        if args.format == "text":
            tty = args.out is None and sys.stdout.isatty()
            opts = {"full_states": args.full_states,
                    "color": args.color == "always" or (args.color == "auto" and tty)}
        output = render(result, args.format, **opts)
    except SpecError as e:
        print(e.render(), file=sys.stderr)
        return EXIT_USAGE

    if args.out is None:
        sys.stdout.write(output)
        return EXIT_OK
    try:
        Path(args.out).write_bytes(output.encode("utf-8"))
    except OSError as e:
        print(f"verifier report: cannot write {args.out}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(report_main(sys.argv[1:]))
