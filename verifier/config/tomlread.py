"""Reading a model file as TOML: the file's errors (C001) and TOML syntax errors (C002).

``read_toml(path)`` gives the text and the parsed data, or raises a ``ConfigError``:
C001 when the file is missing (with a near name when there is one), a folder,
unreadable or not UTF-8; C002 when ``tomllib`` rejects it. ``tomllib`` names only the
place where parsing stopped, so its message is moved to the real cause where the key
locator (``verifier/config/tomlspans.py``) can tell: a key or table defined twice, a
string, array or inline table left open; a value that is no TOML gets a hint in plain
words (``True`` is written ``true``, text goes in double quotes).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from verifier.config.tomlspans import Locator, dotted
from verifier.lang.diagnostics import ConfigError, Diagnostic, did_you_mean
from verifier.lang.syntax import Span


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of the model file at ``path`` and its TOML data."""
    where = str(path)
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_error(str(exc), text, where)], {where: text}) from None
    except RecursionError:  # tomllib recurses on nested arrays and inline tables
        raise ConfigError([Diagnostic("C002", "invalid TOML: arrays or inline tables nested too deeply",
                                      Span(where, 1, 1, 1, 2), "a model file needs no nesting this deep")],
                          {where: text}) from None
    return text, data


def _read(path: Path) -> str:
    where = Span(str(path), 0, 0, 0, 0)
    if path.is_dir():
        raise ConfigError([Diagnostic("C001", f"'{path}' is a folder, not a model file", where,
                                      "pass a .toml model file, or use the folder to check every model in it")])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        hint = "check the spelling; the path is relative to the current directory"
        if path.parent.is_dir():
            best = did_you_mean(path.stem, [p.stem for p in path.parent.glob("*.toml")])
            if best is not None:
                hint = f"did you mean '{path.with_name(best + '.toml')}'?"
        raise ConfigError([Diagnostic("C001", f"model file '{path}' not found", where, hint)]) from None
    except OSError as exc:
        raise ConfigError([Diagnostic("C001", f"cannot read '{path}': {exc.strerror}", where,
                                      "check the file's permissions")]) from None
    try:
        return data.decode("utf-8-sig")  # a BOM (Windows editors) is harmless, drop it
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode("utf-8", "replace")) + 1
        span = Span(str(path), before.count(b"\n") + 1, col, before.count(b"\n") + 1, col + 1)
        text = data.decode("utf-8", "replace")
        raise ConfigError([Diagnostic(
            "C001", f"model file is not UTF-8 text (byte 0x{data[exc.start]:02x})", span,
            "save the file with UTF-8 encoding")], {str(path): text}) from None


_TOML_POS = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")
_SYNTAX_HINTS = (
    ("Expected '=' after a key", "write key = value; a key with spaces or dots must be quoted"),
    ("Expected newline or end of document", "put one key = value per line; a comment starts with #"),
    ("Invalid statement", "each line is a key = value pair, a [table] header or a # comment"),
    ("Invalid initial character for a key", ("keys are bare words (letters, digits, _ and -) or "
                                             "quoted strings; { ... } takes no trailing comma")),
    ("Expected ']' at the end of a table", "close the table header: [name]"),
    ("Expected ']]' at the end of an array", "close the header: [[name]]"),
    ("Unclosed inline table", "an inline table { ... } must close with } on the same line"),
    ("Illegal character '\\n'", ("close the string on the same line; use \"\"\"...\"\"\" for text "
                                 "over several lines")),
    ("Unterminated string", "add the closing quote"),
    ("Expected \"'\"", "add the closing quote"),
)


def _syntax_error(raw: str, text: str, where: str) -> Diagnostic:
    """A ``tomllib`` error as a C002 diagnostic, moved to the real cause where we can tell."""
    m = _TOML_POS.search(raw)
    msg = raw[:m.start()] if m else raw
    lines = text.split("\n")  # as tomllib counts lines
    if m and m.group(1):
        line, col = int(m.group(1)), int(m.group(2))
    else:  # end of document: just after the last thing written
        last = text.rstrip().split("\n")
        line, col = len(last), len(last[-1]) + 1
    hint = next((h for prefix, h in _SYNTAX_HINTS if msg.startswith(prefix)),
                "see https://toml.io for the TOML syntax")
    located = Locator(text, where).run()
    if msg.startswith(("Cannot overwrite a value", "Cannot declare", "Cannot mutate")) and located.duplicate:
        kp, span, first = located.duplicate
        if span.line <= line:
            what = "table" if msg.startswith("Cannot declare") else "key"
            name = f"[{dotted(kp)}]" if what == "table" else f"'{dotted(kp)}'"
            return Diagnostic("C002", f"invalid TOML: {what} {name} is defined twice", span,
                              f"it is first defined on line {first.line}; keep only one")
    if located.unclosed and located.unclosed[0].line <= line:
        span, kind = located.unclosed
        # An array left open swallows the lines after it; tomllib stops at the first one
        # that is no array item, but the cause is the opener.
        runs_on = kind == "array" and msg.startswith(("Invalid value", "Unclosed array"))
        if m is None or not m.group(1) or runs_on:
            close = {"array": "] after its last item", "inline table": "}"}.get(kind, "the closing quote")
            return Diagnostic("C002", f"invalid TOML: this {kind} is never closed", span, f"add {close}")
    word = re.match(r"[^\s,\]}#]+", lines[line - 1][col - 1:] if line <= len(lines) else "")
    end = col + 1
    if msg.startswith("Invalid value"):
        end = col + len(word.group()) if word else end
        if word and word.group() in ("True", "False", "yes", "no", "on", "off", "TRUE", "FALSE"):
            hint = "TOML booleans are written true or false"
        elif word and not word.group()[0].isdigit() and word.group()[0] not in "+-":
            hint = f'put text in double quotes: "{word.group()}"'
        else:
            hint = 'values are "text" in double quotes, numbers, true/false, [arrays] or { inline tables }'
    return Diagnostic("C002", f"invalid TOML: {msg[:1].lower()}{msg[1:]}",
                      Span(where, line, col, line, end), hint)
