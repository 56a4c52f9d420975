"""The docs name files that exist (issue 11, item 8: docs/ci.md's workflow fuzzed
`models/hal-12.toml`, which never existed): every spec or model a `verifier` command in
README.md or docs/ names is in the repository. Placeholders (`MODEL.toml`,
`models/<model>.toml`) are not names."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"verifier (?:check|prove|fuzz|graph)\b([^`\n|]*)")


def _named() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for line in doc.read_text(encoding="utf-8").splitlines():
            for m in COMMAND.finditer(line):
                for tok in m.group(1).split():
                    stem = Path(tok).stem
                    if tok.endswith((".toml", ".fsl")) and "<" not in tok and not stem.isupper():
                        out.append((doc.name, tok))
    return out


def test_commands_in_the_docs_name_existing_files() -> None:
    named = _named()
    assert len(named) > 20  # the scan finds the commands at all
    missing = [(doc, path) for doc, path in named if not (ROOT / path).is_file()]
    assert not missing
