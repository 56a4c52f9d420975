"""``verifier lsp``: the FSL language server on stdin/stdout, for editors.

Diagnostics of the parser and checker (with codes and hints) as a spec is edited, and
formatting by ``verifier fmt``'s canonical form; see ``verifier/editor/lsp.py``.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    sub.add_parser("lsp", help="run the FSL language server on stdin/stdout (for editors)")


def run(args: argparse.Namespace) -> int:
    from verifier.editor import serve

    serve()
    return 0
