"""The TOML key locator: where each table header, key and value of a TOML text is written.

Diagnostics on model files (``modelfile.py``, ``tomlread.py``) point at the offending
key or value by line and column. ``tomllib`` parses the text into plain dicts and lists
but keeps no positions, and its errors name only the place where parsing stopped. So
``Locator`` scans the same text a second time, with a small hand-written TOML
tokenizer, and records a ``Span`` for every key and value by key path (``("check", "deadlock")``;
array elements get an integer: ``("check", "properties", 0)``). On text ``tomllib``
rejects it also finds the first key or table defined twice and the first string, array
or inline table left open, which are often the real cause of a syntax error.

``dotted`` prints a key path back the way TOML writes it, for messages.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from verifier.lang.syntax import Span

KeyPath = tuple[str | int, ...]
# How a key path was defined, for telling a harmless redefinition from a duplicate.
_Kind = Literal["value", "header", "dotted", "implicit"]

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_MAX_DEPTH: Final = 100  # of nested arrays and inline tables; bounded to keep recursion safe


@dataclass(frozen=True, slots=True)
class Located:
    """What ``Locator.run`` found: spans of keys and values, by key path."""

    keys: Mapping[KeyPath, Span]
    values: Mapping[KeyPath, Span]
    # The first key or table defined twice: its path, where, and where it was first defined.
    duplicate: tuple[KeyPath, Span, Span] | None = None
    # The first string, array or inline table still open at the end of the text.
    unclosed: tuple[Span, str] | None = None


class Locator:
    """Finds where each table header, key and value of a TOML text is written.

    Built for text ``tomllib`` accepted, but it must never raise or loop on any text:
    on a syntax error it is also run to find duplicates and unclosed brackets. Every
    loop consumes at least one character per turn. One instance scans one text;
    ``run`` returns a frozen ``Located``.
    """

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.where = where
        self.starts: list[int] = [0] + [m.end() for m in re.finditer("\n", text)]
        self.keys: dict[KeyPath, Span] = {}
        self.values: dict[KeyPath, Span] = {}
        self.duplicate: tuple[KeyPath, Span, Span] | None = None
        self.unclosed: tuple[Span, str] | None = None
        self.kinds: dict[KeyPath, _Kind] = {}
        self.array_counts: dict[KeyPath, int] = {}
        self.depth = 0

    def run(self) -> Located:
        table: KeyPath = ()
        while True:
            self._blank(newlines=True)
            if self.i >= self.n:
                return Located(MappingProxyType(self.keys), MappingProxyType(self.values),
                               self.duplicate, self.unclosed)
            start = self.i
            if self.text[self.i] == "[":
                table = self._header()
            else:
                self._key_value(table)
            self._blank(newlines=False)
            # Skip what is left of the line; only reached on text tomllib rejected.
            while self.i < self.n and self.text[self.i] != "\n":
                self.i += 1
            if self.i == start:
                self.i += 1

    def _span(self, a: int, b: int) -> Span:
        line = bisect.bisect_right(self.starts, a)
        end_line = bisect.bisect_right(self.starts, b)
        return Span(self.where, line, a - self.starts[line - 1] + 1,
                    end_line, b - self.starts[end_line - 1] + 1)

    def _blank(self, *, newlines: bool) -> None:
        """Skip spaces, tabs, comments and (if ``newlines``) line breaks."""
        text = self.text
        while self.i < self.n:
            c = text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#":
                while self.i < self.n and text[self.i] != "\n":
                    self.i += 1
            else:
                return

    def _define(self, kp: KeyPath, kind: _Kind, span: Span) -> None:
        old = self.kinds.get(kp)
        if old is None or (old == "implicit" and kind != "implicit"):
            self.kinds[kp] = kind
            self.keys[kp] = span
            return
        clash = "value" in (kind, old) or (kind == "header" and old in ("header", "dotted")) or (
            kind == "dotted" and old == "header")
        if clash and self.duplicate is None:
            self.duplicate = (kp, span, self.keys[kp])

    def _key_parts(self) -> list[tuple[str, Span]]:
        """A possibly dotted key: each part with its span; empty if there is no key here."""
        parts: list[tuple[str, Span]] = []
        text = self.text
        while True:
            self._blank(newlines=False)
            a = self.i
            if a < self.n and text[a] in "\"'":
                quote = text[a]
                b = a + 1
                while b < self.n and text[b] not in (quote, "\n"):
                    b += 2 if quote == '"' and text[b] == "\\" else 1
                b = min(b + 1, self.n)
                name = _unquote(text[a:b])
            else:
                m = _BARE_KEY.match(text, a)
                if m is None:
                    return parts
                b, name = m.end(), m.group()
            parts.append((name, self._span(a, b)))
            self.i = b
            self._blank(newlines=False)
            if self.i < self.n and text[self.i] == ".":
                self.i += 1
            else:
                return parts

    def _header(self) -> KeyPath:
        double = self.text.startswith("[[", self.i)
        self.i += 2 if double else 1
        parts = self._key_parts()
        concrete: KeyPath = ()
        for k, (name, span) in enumerate(parts):
            concrete = (*concrete, name)
            if k == len(parts) - 1 and double:
                self._define(concrete, "implicit", span)
                count = self.array_counts.get(concrete, 0)
                self.array_counts[concrete] = count + 1
                concrete = (*concrete, count)
                self._define(concrete, "header", span)
            elif k == len(parts) - 1:
                self._define(concrete, "header", span)
            else:
                self._define(concrete, "implicit", span)
                if concrete in self.array_counts:
                    concrete = (*concrete, self.array_counts[concrete] - 1)
        self._blank(newlines=False)
        for _ in range(2 if double else 1):
            if self.text.startswith("]", self.i):
                self.i += 1
        return concrete

    def _key_value(self, table: KeyPath) -> None:
        parts = self._key_parts()
        if not parts:
            return
        kp = table
        for k, (name, span) in enumerate(parts):
            kp = (*kp, name)
            self._define(kp, "value" if k == len(parts) - 1 else "dotted", span)
        self._blank(newlines=False)
        if self.text.startswith("=", self.i):
            self.i += 1
            self._blank(newlines=False)
            self._value(kp)

    def _value(self, kp: KeyPath) -> None:
        text, a = self.text, self.i
        if a >= self.n:
            return
        c = text[a]
        if text.startswith(('"""', "'''"), a):
            quote = text[a:a + 3]
            b = a + 3
            while b < self.n and not text.startswith(quote, b):
                b += 2 if quote == '"""' and text[b] == "\\" else 1
            if b >= self.n:
                self._unclosed(a, "string")
            run = 0  # the text may end in up to two quotes, right before the closing three
            while b + run < self.n and text[b + run] == quote[0] and run < 5:
                run += 1
            self.i = min(b + max(run, 3), self.n)
        elif c in "\"'":
            b = a + 1
            while b < self.n and text[b] not in (c, "\n"):
                b += 2 if c == '"' and text[b] == "\\" else 1
            if b >= self.n:
                self._unclosed(a, "string")
            self.i = min(b + 1, self.n) if b < self.n and text[b] == c else b
        elif c in "[{" and self.depth < _MAX_DEPTH:
            self.depth += 1
            if c == "[":
                self._array(kp)
            else:
                self._inline_table(kp)
            self.depth -= 1
        else:
            b = a
            while b < self.n and text[b] not in ",]}#\n":
                b += 1
            while b > a and text[b - 1] in " \t\r":
                b -= 1
            self.i = b
        self.values[kp] = self._span(a, max(self.i, a + 1))

    def _array(self, kp: KeyPath) -> None:
        a, index = self.i, 0
        self.i += 1
        while True:
            self._blank(newlines=True)
            if self.i >= self.n:
                self._unclosed(a, "array")
                return
            c = self.text[self.i]
            if c == "]":
                self.i += 1
                return
            before = self.i
            if c != ",":
                self._value((*kp, index))
                index += 1
            if self.i == before:
                self.i += 1

    def _inline_table(self, kp: KeyPath) -> None:
        a = self.i
        self.i += 1
        while True:
            self._blank(newlines=False)
            if self.i >= self.n or self.text[self.i] == "\n":
                self._unclosed(a, "inline table")
                return
            if self.text[self.i] == "}":
                self.i += 1
                return
            before = self.i
            if self.text[self.i] != ",":
                self._key_value(kp)
            if self.i == before:
                self.i += 1

    def _unclosed(self, a: int, kind: str) -> None:
        if self.unclosed is None:
            self.unclosed = (self._span(a, a + 1), kind)


def _unquote(token: str) -> str:
    """The name a quoted key stands for, decoded exactly as ``tomllib`` does."""
    try:
        value = tomllib.loads(f"k = {token}")["k"]
    except tomllib.TOMLDecodeError:
        return token.strip("\"'")
    return value if isinstance(value, str) else token


def dotted(kp: KeyPath) -> str:
    """A key path as TOML would write it: ``check.properties[1]``, ``constants."a b"``."""
    out = ""
    for part in kp:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            quoted = part.replace("\\", "\\\\").replace('"', '\\"')
            out += ("." if out else "") + (part if _BARE_KEY.fullmatch(part) else f'"{quoted}"')
    return out
