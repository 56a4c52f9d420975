"""Errors of the symbolic engine (stage 5, symbolic): what it cannot encode, and its own bugs.

``Unsupported`` is user-facing (exit 2 with a hint): the spec uses a construct the Z3
translation does not cover yet, and the explicit engine should be used instead.
``SymbolicMismatch`` is an internal error (exit 4): a trace found by the solver does not
replay through the reference semantics, so the translation and the semantics disagree.
"""

from __future__ import annotations

from verifier.lang.syntax import NOSPAN, Span


class Unsupported(Exception):
    """A construct the Z3 translation cannot encode (yet)."""

    def __init__(self, message: str, span: Span = NOSPAN,
                 hint: str = "check this spec with the explicit engine (`verifier check`)") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def describe(self) -> str:
        where = f"{self.span.path}:{self.span.line}:{self.span.col}: " if self.span.line else ""
        return f"{where}{self.message}"


class SymbolicMismatch(Exception):
    """The solver's answer does not replay through the reference semantics: a checker bug."""


class ModelProblem(Exception):
    """The model cannot be analysed as it stands (e.g. a run-time error in an initial
    value): a spec or configuration error, with a hint."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
