"""Diagnostics shared by every stage: an error with a code, a location and a hint.

Lark exceptions, type errors and configuration errors all become a ``Diagnostic``;
``SpecError`` carries one or more of them out of a stage. Rendering follows the
``file:line:col: error[CODE]: message`` convention, then the source line with a caret
under the spot, then ``hint: ...``. The catalogue of codes is documented in
``docs/language.md`` and every code has a golden test under ``tests/diagnostics``.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.lang.syntax import NOSPAN, Span

MAX_SHOWN = 100  # characters of a long source line shown around the spot


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span = NOSPAN
    hint: str | None = None
    severity: str = "error"

    def render(self, source: str | None = None) -> str:
        """The diagnostic as the user sees it; ``source`` is the text of ``span.path``."""
        where = f"{self.span.path}:{self.span.line}:{self.span.col}: " if self.span.line else (
            f"{self.span.path}: " if self.span.path != NOSPAN.path else ""
        )
        lines = [f"{where}{self.severity}[{self.code}]: {self.message}"]
        if source is not None and self.span.line > 0:
            # lines as the parser counts them: only "\n" ends one (not \x0c, \u2028, ...)
            text_lines = source.split("\n")
            if self.span.line <= len(text_lines):
                text = text_lines[self.span.line - 1].rstrip("\r").expandtabs(1)
                col = min(self.span.col, len(text) + 1)
                if len(text) > MAX_SHOWN:  # a window of the line around the spot
                    start = max(0, min(col - 1 - MAX_SHOWN // 2, len(text) - MAX_SHOWN))
                    head = "... " if start > 0 else ""
                    tail = " ..." if start + MAX_SHOWN < len(text) else ""
                    text = head + text[start:start + MAX_SHOWN] + tail
                    col = col - start + len(head)
                gutter = f"{self.span.line:>4} | "
                lines.append(gutter + text)
                width = 1
                if self.span.end_line == self.span.line and self.span.end_col > self.span.col:
                    width = self.span.end_col - self.span.col
                lines.append(" " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * max(1, min(width, 80)))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class SpecError(Exception):
    """One or more diagnostics that stop a stage; ``sources`` maps paths to their text."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...],
                 sources: dict[str, str] | None = None) -> None:
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources or {})
        super().__init__("\n".join(d.message for d in self.diagnostics))

    def render(self) -> str:
        return "\n".join(d.render(self.sources.get(d.span.path)) for d in self.diagnostics)


class ConfigError(SpecError):
    """A model configuration (TOML) or command-line error."""


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The closest candidate to ``name`` for a 'did you mean' hint, if any is close."""
    import difflib

    best = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    if not best:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            return lowered[name.lower()]
        return None
    return best[0]
