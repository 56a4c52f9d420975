"""A small pretty-printing document algebra and its layout engine (Wadler's "prettier
printer", in Lindig's strict, stack-driven form). It knows nothing of the spec language:
``verifier/lang/fmt/formatter.py`` builds documents from an AST, ``render`` lays them out.

A document (``Doc``) is text with places where a line may break:

- a ``str`` is literal text, printed as it is (it holds no newline and never breaks);
- a ``list`` of documents is their concatenation, in order;
- ``Text(s)`` is literal text too; with ``measured=False`` (a trailing comment) it is
  printed but counts for nothing when deciding whether something fits, so a comment
  never makes code break;
- ``Line(flat)`` is a line break, or the text ``flat`` (a space, by default) when its
  group lies flat; ``SOFT`` is a break that vanishes when flat;
- ``Hard()`` is a line break in any case: no group holding one lies flat;
- ``IfBreak(s)`` is the text ``s`` only when its group is broken (a trailing comma);
- ``Nest(doc, indent)``: the lines of ``doc`` start ``indent`` columns further in than
  the enclosing ones;
- ``Align(doc)``: the lines of ``doc`` start at the column where ``doc`` starts;
- ``Group(doc)`` is the unit of choice: every ``Line`` of ``doc`` outside its inner
  groups breaks, or none does. A ``Line`` in no group always breaks.

Layout (``render``) is greedy and runs in one pass, left to right, over a stack of
commands (indentation, flat or not, document). A group is decided when it is reached
and never revisited: inside a flat group it lies flat; otherwise it lies flat if it fits,
else its lines break and the groups inside it are decided in turn, each on its own.

The width rule (``fits``): a group fits when, laid flat, it together with the text that
follows it up to the next line break that will be taken (a ``Line`` in a broken group, a
``Hard`` outside a flat group, or the end) takes at most ``width - column`` columns, the
column being where the group starts. So a line may be exactly ``width`` long; a group
holding a ``Hard`` never fits; unmeasured ``Text`` counts zero. Nothing shortens a string
that is too long by itself: the page width is a goal, not a guarantee. Trailing spaces
are stripped from every rendered line (an empty line of a nested block is empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

INDENT: Final = 2  # how far ``Nest`` indents unless told otherwise


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text; ``measured=False`` for a trailing comment: it never makes code break."""

    text: str
    measured: bool = True


@dataclass(frozen=True, slots=True)
class Line:
    """A line break, or ``flat`` when its group fits on one line."""

    flat: str = " "


@dataclass(frozen=True, slots=True)
class Hard:
    """A line break in any case; a group holding one never lies flat."""


@dataclass(frozen=True, slots=True)
class IfBreak:
    """Text that appears only when its group is broken (a trailing comma)."""

    text: str


@dataclass(frozen=True, slots=True)
class Nest:
    """Lines inside break ``indent`` columns further in than the enclosing ones."""

    doc: Doc
    indent: int = INDENT


@dataclass(frozen=True, slots=True)
class Align:
    """Lines inside break to the column where this document starts."""

    doc: Doc


@dataclass(frozen=True, slots=True)
class Group:
    """Its lines all break, or none does: flat when it fits (see ``fits``)."""

    doc: Doc


Doc: TypeAlias = str | Text | Line | Hard | IfBreak | Nest | Align | Group | list["Doc"]
SOFT: Final = Line("")  # a break that vanishes when its group lies flat

_Command: TypeAlias = tuple[int, bool, Doc]  # indentation, flat, document


def join(docs: Sequence[Doc], sep: Doc) -> list[Doc]:
    """``docs`` with ``sep`` between each two."""
    out: list[Doc] = []
    for i, d in enumerate(docs):
        if i:
            out.append(sep)
        out.append(d)
    return out


def render(doc: Doc, width: int) -> str:
    """Lay ``doc`` out for a page ``width`` columns wide (see the module docstring)."""
    out: list[str] = []
    col = 0
    stack: list[_Command] = [(0, False, doc)]
    while stack:
        ind, flat, d = stack.pop()
        if isinstance(d, str):
            out.append(d)
            col += len(d)
        elif isinstance(d, list):
            stack.extend((ind, flat, x) for x in reversed(d))
        elif isinstance(d, Text):
            out.append(d.text)
            col += len(d.text)
        elif isinstance(d, Line) and flat:
            out.append(d.flat)
            col += len(d.flat)
        elif isinstance(d, (Line, Hard)):
            out.append("\n" + " " * ind)
            col = ind
        elif isinstance(d, IfBreak):
            if not flat:
                out.append(d.text)
                col += len(d.text)
        elif isinstance(d, Nest):
            stack.append((ind + d.indent, flat, d.doc))
        elif isinstance(d, Align):
            stack.append((col, flat, d.doc))
        else:  # a Group
            stack.append((ind, flat or fits(width - col, (ind, True, d.doc), stack), d.doc))
    return "\n".join(line.rstrip() for line in "".join(out).split("\n"))


def fits(room: int, first: _Command, rest: Sequence[_Command]) -> bool:
    """Whether ``first`` laid flat, and what follows it up to the next line break, fit
    in ``room`` columns; ``rest`` is the layout stack, its next command last."""
    todo = [first]
    i = len(rest)
    while room >= 0:
        if not todo:
            if i == 0:
                return True
            i -= 1
            todo.append(rest[i])
        ind, flat, d = todo.pop()
        if isinstance(d, str):
            room -= len(d)
        elif isinstance(d, list):
            todo.extend((ind, flat, x) for x in reversed(d))
        elif isinstance(d, Text):
            room -= len(d.text) if d.measured else 0
        elif isinstance(d, Line):
            if not flat:
                return True
            room -= len(d.flat)
        elif isinstance(d, Hard):
            return not flat
        elif isinstance(d, IfBreak):
            room -= 0 if flat else len(d.text)
        else:  # Nest, Align, Group: indentation does not matter on one line
            todo.append((ind, flat, d.doc))
    return False
