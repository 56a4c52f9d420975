"""Stage 5 (compiled stepper): small helpers over fragments of generated Python source.

Every fragment the code generator builds is an expression or statement over mangled
names and literals rendered by ``repr``; these helpers combine fragments and simplify
the ones whose operands are literal ints (offsets, shifts), so that field offsets known
when the code is generated are written as single numbers.
"""

from __future__ import annotations


def literal(code: str) -> bool:
    """Whether a fragment is a literal: a bool, ``None`` or an int."""
    return code in ("True", "False", "None") or code.lstrip("-").isdigit()


def lit(code: str) -> bool | int | None:
    """The value of a literal fragment."""
    if code in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[code]
    return int(code)


def number(code: str) -> int | None:
    """The value of an int (or bool) literal fragment; None for anything else."""
    if not literal(code) or code == "None":
        return None
    v = lit(code)
    assert v is not None
    return v


def opt_bits(v: bool | int | None, lo: int) -> int:
    """The field bits of an optional value whose crep is ``v`` (``lo``: the inner type's
    lowest value): 0 for ``none``, else the inner encoding shifted left, bit 0 set."""
    return 0 if v is None else ((int(v) - lo) << 1) | 1


def opt_bits_code(code: str, lo: int) -> str:
    """``opt_bits`` of a non-optional crep computed at run time."""
    return f"((({code}) - {lo}) << 1 | 1)" if lo else f"(({code}) << 1 | 1)"


def ident(name: str) -> str:
    """A spec name for a comment in generated code (names are identifiers by the grammar)."""
    return name if name.isidentifier() else "?"


def add(a: str, b: str) -> str:
    """``a + b`` for two offset fragments."""
    if b == "0":
        return a
    if a == "0":
        return b
    if a.isdigit() and b.isdigit():
        return str(int(a) + int(b))
    return f"{a} + {b}"


def mul(w: int, code: str) -> str:
    """``w * code`` for a field width and an index fragment."""
    if w == 0:
        return "0"
    if code.isdigit():
        return str(w * int(code))
    return code if w == 1 else f"{w} * {code}"


def pack_fields(parts: list[str], width: int) -> str:
    """``parts[i] << (i * width)``, or-ed together (fields are disjoint)."""
    shifted = [p if i == 0 else f"({p} << {i * width})" for i, p in enumerate(parts)]
    return "(" + " | ".join(shifted) + ")" if shifted else "0"
