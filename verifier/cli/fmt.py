"""``verifier fmt FILE...``: print specs in canonical form, or check or rewrite them.

Every file is parsed before any is written: a file with errors is reported and left
alone, and so are the others (exit 2). ``--check`` exits 1 when a file is not in
canonical form; ``--write`` rewrites the files that are not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from verifier.cli.common import EXIT_OK, EXIT_USAGE, EXIT_VIOLATED
from verifier.lang.diagnostics import SpecError


def add_parser(sub: Any) -> None:
    f = sub.add_parser("fmt", help="print a spec in canonical form (or rewrite it: --write)")
    f.add_argument("files", metavar="FILE", type=Path, nargs="+")
    mode = f.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="exit 1 if a file is not in canonical form (and name it)")
    mode.add_argument("--write", "-w", action="store_true",
                      help="rewrite each file in canonical form (only when it parses)")


def run(args: argparse.Namespace) -> int:
    from verifier.lang.fmt.formatter import format_spec
    from verifier.lang.parser import parse, read_spec_text

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
