"""The TextMate grammar (editors/fsl.tmLanguage.json) names every keyword of the parser,
and its patterns are valid regular expressions that highlight a shipped spec's words."""

from __future__ import annotations

import json
import re
from pathlib import Path

from verifier.lang.parser import keywords

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR = json.loads((ROOT / "editors" / "fsl.tmLanguage.json").read_text(encoding="utf-8"))


def _patterns(node: object) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("match"), str):
            out.append(node["match"])
        for v in node.values():
            out += _patterns(v)
    elif isinstance(node, list):
        for v in node:
            out += _patterns(v)
    return out


def test_every_parser_keyword_is_highlighted() -> None:
    words: set[str] = set()
    for group in GRAMMAR["repository"]["keyword"]["patterns"]:
        words |= set(re.fullmatch(r"\\b\((.*)\)\\b", group["match"]).group(1).split("|"))  # type: ignore[union-attr]
    words |= {"true", "false", "none"}
    assert keywords() <= words, sorted(keywords() - words)
    assert GRAMMAR["scopeName"] == "source.fsl" and GRAMMAR["fileTypes"] == ["fsl"]


def test_patterns_compile_and_match_a_spec() -> None:
    text = (ROOT / "specs" / "triad.fsl").read_text(encoding="utf-8")
    for pattern in _patterns(GRAMMAR):
        re.compile(pattern)  # Oniguruma syntax used here is also Python's
    liveness = GRAMMAR["repository"]["declaration"]["patterns"][1]["match"]
    named = [m.group(2) for m in re.finditer(liveness, text)]
    assert "QuorumServes" in named and "AtMostOneMaster" in named
    temporal = GRAMMAR["repository"]["operator"]["patterns"][0]["match"]
    assert re.search(temporal, text)
