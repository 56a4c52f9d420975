"""Syntax errors as diagnostics: Lark's ``UnexpectedInput`` -> ``Diagnostic``.

Part of stage 1 (``verifier.lang.parser`` calls ``syntax_errors`` and nothing else here).
It holds the catalogue of common mistakes (``_MISTAKES``: code, message, hint and
example snippets that fail the same way) and the matcher that names one when an error
happens in the same LALR state as one of its examples; otherwise a general message
says what was found and what the parser expected, in words. After the first error the
parse restarts at the next declaration, so one run reports several independent errors.

The Lark parser is passed in rather than imported, so this module does not depend on
``verifier.lang.parser``. Everything here is immutable or a cached pure function.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from verifier.lang import syntax as S
from verifier.lang.diagnostics import Diagnostic

MAX_SYNTAX_ERRORS: Final = 10

# Common mistakes: (code, message, hint, example snippets that fail the same way).
_MISTAKES: Final[tuple[tuple[str, str, str, tuple[str, ...]], ...]] = (
    ("E004", "expected ':' after the property name",
     "write `invariant Name: condition`",
     ("invariant I x", "reachable R x", "constraint C x", 'invariant I "doc" x',
      "invariant I x == 1", "reachable R up[s]")),
    ("E005", "'=' assigns; to compare, write '=='",
     "in a condition use `==`, as in `require x == 1`",
     ("action A { require x = 1 }", "invariant I: x = 1", "def d = x = 1",
      "action A { if x = 1 { } }", "invariant I: forall s in S: x[s] = 1",
      "action A { x = y = 1 }", "init: x = 1")),
    ("E009", "expected ':' before the body of the quantifier",
     "write `forall s in Server: condition`",
     ("invariant I: forall s in S x", "invariant I: exists s in S x",
      "invariant I: count(s in S x) == 1")),
    ("E010", "expected ':' and a type after the name",
     "declare a variable as `var x: 0..3 = 0`, a constant as `const N: 1..5 = 3`",
     ("var x = 1", "var x", "const N = 3")),
    ("E011", "'{' expected: an action's body is a block",
     "write `action Name(p: Type) { statements }`",
     ("action A require x", "action A(s: S) require x", "action A x = 1")),
    ("E012", "'==' is not an assignment",
     "to change a variable in an action write `x = value`",
     ("action A { x == 1 }",)),
    ("E013", "'&&', '||' and '!' are not operators here",
     "write `and`, `or` and `not`",
     ("invariant I: a && b", "invariant I: a || b")),
)

# A mistake is only named when the offending token is the one its examples trip on:
# LALR states are shared, so `x = )` must not be reported as "'==' is not an assignment".
_TRIGGERS: Final[Mapping[str, frozenset[str]]] = MappingProxyType({
    "E005": frozenset({"EQUAL"}), "E012": frozenset({"EQUAL"}),
    "E013": frozenset({"AMPERSAND", "VBAR"}),
})

_KEYWORD_HINTS: Final[Mapping[str, str]] = MappingProxyType({
    "NAME": "a name", "INT": "a number", "COLON": "':'", "LBRACE": "'{'", "RBRACE": "'}'",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "EQUAL": "'='", "SEMICOLON": "';'", "DOT": "'.'", "STRING": "a \"string\"",
})

_DECL_START: Final = ("const ", "enum ", "type ", "var ", "init:", "init ", "def ", "action ", "fault ",
                      "invariant ", "reachable ", "constraint ", "lane ", "message ", "fair ", "strong ",
                      "liveness ")

_EXPR_START: Final = frozenset({"NAME", "INT", "LPAR", "LSQB", "LBRACE", "MINUS", "NOT", "IF", "FORALL", "ALWAYS",
                                "EVENTUALLY",
                                "EXISTS", "LET", "TRUE", "FALSE", "NONE", "COUNT", "SUM"})
_OPERATORS: Final = frozenset({"CMP", "ADDOP", "MULOP", "AND", "OR", "IN", "NOT", "VBAR", "AMPERSAND",
                               "DOT", "LSQB", "UNTIL"})
# operators that Lark names by number (``__ANON_n``): found by their text
_OPERATOR_TEXTS: Final = frozenset({"..", "=>", "<=>", "~>"})


def syntax_errors(first: UnexpectedInput, text: str, path: str, lark: Lark) -> list[Diagnostic]:
    """The first syntax error, then one per later stretch of declarations.

    LALR has no error recovery, so after an error the parse restarts at the next line that
    begins (in column 1) with a declaration keyword; the lines before it are blanked, not
    removed, so positions stay right. Each restart is independent: an error reported
    there is a real one, not a cascade of the first."""
    diags = [_syntax_diagnostic(first, text, path, lark)]
    lines = text.split("\n")
    start, err = 0, first
    while len(diags) < MAX_SYNTAX_ERRORS:
        eline = (getattr(err, "line", 0) or len(lines)) - 1
        # a declaration where the previous one is not finished: restart at its line
        at_decl = eline > start and _opens_declaration(err)
        nxt = next((j for j in range(eline if at_decl else eline + 1, len(lines))
                    if lines[j].startswith(_DECL_START)), None)
        if nxt is None or isinstance(err, UnexpectedEOF):
            break
        chunk = "\n" * nxt + "\n".join(lines[nxt:])
        try:
            lark.parse(chunk)
            break
        except UnexpectedInput as e:
            if isinstance(e, UnexpectedToken) and e.token.type == "$END":
                break  # the rest of the file is cut short by the first error
            diags.append(_syntax_diagnostic(e, chunk, path, lark))
            start, err = nxt, e
    return _once_per_character(diags, text)


def _once_per_character(diags: list[Diagnostic], text: str) -> list[Diagnostic]:
    """An unexpected character (E002) is reported once, at its first occurrence, with how
    often and on which lines the file has it outside comments and strings: the restart
    after each error would otherwise report it again in every declaration."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for d in diags:
        if d.code != "E002" or not d.message.startswith("unexpected character "):
            out.append(d)
            continue
        if d.message in seen:
            continue
        seen.add(d.message)
        source = text.split("\n")
        at = source[d.span.line - 1] if 0 < d.span.line <= len(source) else ""
        ch = at[d.span.col - 1] if 0 < d.span.col <= len(at) else ""
        lines = [i for i, line in enumerate(source, start=1) if ch and ch in _code_part(line)]
        count = sum(_code_part(source[i - 1]).count(ch) for i in lines)
        if count > 1:
            shown = ", ".join(map(str, lines[:8])) + (", ..." if len(lines) > 8 else "")
            where = f"on line {shown}" if len(lines) == 1 else f"on lines {shown}"
            d = dataclasses.replace(d, message=f"{d.message} ({count} times, {where})")
        out.append(d)
    return out


def _code_part(line: str) -> str:
    """A line without its comment and its strings (where any character may appear)."""
    out, in_string = [], False
    for c in line:
        if c == '"':
            in_string = not in_string
        elif c == "#" and not in_string:
            break
        elif not in_string:
            out.append(c)
    return "".join(out)


def _opens_declaration(e: UnexpectedInput) -> bool:
    """Whether the error is at a declaration keyword in column 1 (`action` where a `}`
    was missing), whether it was read as a keyword or, inside a block, as a name."""
    return getattr(e, "column", 0) == 1 or _keyword_in_block(e) is not None


def _keyword_in_block(e: UnexpectedInput) -> Token | None:
    """`action B` inside an unclosed block: the keyword, read as a keyword or as a name
    (the start of an assignment)."""
    if isinstance(e, UnexpectedToken) and e.token.column == 1 and "RBRACE" in (e.accepts or e.expected) \
            and f"{e.token} ".startswith(_DECL_START):
        tok: Token = e.token
        return tok
    last = e.state.value_stack[-1] if isinstance(e, UnexpectedToken) and e.state is not None \
        and e.state.value_stack else None
    if isinstance(last, Token) and last.type == "NAME" and last.column == 1 \
            and f"{last} ".startswith(_DECL_START) and last.line == e.line:
        return last
    return None


@functools.cache
def _examples() -> Mapping[str, tuple[str, ...]]:
    """The mistake examples, each also after a declaration and after a statement: Lark
    compares parser states including their stack depth, which a preceding sibling changes."""
    out: dict[str, tuple[str, ...]] = {}
    for code, _, _, snippets in _MISTAKES:
        variants: list[str] = []
        for ex in snippets:
            forms = [ex, ex.replace("{ ", "{ skip ", 1)] if "{ " in ex else [ex]
            variants += forms + ["const K: bool = true\n" + f for f in forms]
        out[code] = tuple(variants)
    return MappingProxyType(out)


@functools.cache
def _example_errors(lark: Lark) -> tuple[tuple[str, UnexpectedToken], ...]:
    """How each mistake example fails, parsed once per process (per parser)."""
    out: list[tuple[str, UnexpectedToken]] = []
    for code, snippets in _examples().items():
        for ex in snippets:
            try:
                lark.parse(ex)
            except UnexpectedToken as ut:
                out.append((code, ut))
            except UnexpectedInput:
                continue
    return tuple(out)


def _match_mistake(e: UnexpectedInput, lark: Lark) -> str | None:
    """The code of the common mistake whose examples fail in the same parser state as ``e``.

    Lark's own ``match_examples`` crashes (a logging format bug) when two examples share
    a state with different accepted tokens, so this is the same idea, written out:
    prefer an example that also trips on the same token type."""
    if not isinstance(e, UnexpectedToken) or e.state is None:
        return None
    fallback = None
    for code, ut in _example_errors(lark):
        if ut.state != e.state or ut.accepts != e.accepts:
            continue
        if code in _TRIGGERS and e.token.type not in _TRIGGERS[code]:
            continue
        if ut.token.type == e.token.type:
            return code
        fallback = fallback or code
    return fallback


def _mistake_in_context(e: UnexpectedInput) -> str | None:
    """The common mistakes again, recognised by their tokens rather than by the parser
    state, which differs with every context (inside an action, after another statement,
    on an indexed expression): ``&&`` and ``||`` are two adjacent ``&`` or ``|`` (E013);
    ``==`` where a statement assigns is two adjacent ``=`` in an action (E012); a lone
    ``=`` where a comparison could follow is E005."""
    if not isinstance(e, UnexpectedToken) or e.state is None:
        return None
    tok = e.token
    stack = e.state.value_stack
    last = stack[-1] if stack else None
    # the token just before, when nothing separates the two: `&&` is `&` then `&`
    before = last.type if isinstance(last, Token) and last.end_pos == tok.start_pos else None
    if tok.type in ("AMPERSAND", "VBAR") and before == tok.type:
        return "E013"
    if tok.type != "EQUAL":
        return None
    if before == "EQUAL":
        in_action = any(isinstance(v, Token) and v.type == "ACTION" for v in stack)
        return "E012" if in_action else None
    if "CMP" in set(e.accepts or e.expected):
        return "E005"
    return None


def _syntax_diagnostic(e: UnexpectedInput, text: str, path: str, lark: Lark) -> Diagnostic:
    line = getattr(e, "line", 1) or 1
    col = getattr(e, "column", 1) or 1
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        lines = text.rstrip("\n").split("\n")
        line, col = len(lines), len(lines[-1].rstrip("\r")) + 1
        if not text.strip():
            return Diagnostic("E003", "the spec is empty", S.Span(path, 1, 1, 1, 1),
                              "declare at least a variable and an action, see docs/language.md")
        return Diagnostic("E003", "unexpected end of file", S.Span(path, line, col, line, col),
                          "a block, bracket or expression is not closed")
    span = S.Span(path, line, col, line, col + 1)
    code = _match_mistake(e, lark) or _mistake_in_context(e)
    if code is not None:
        for c, msg, hint, _ in _MISTAKES:
            if c == code:
                return Diagnostic(c, msg, span, hint)
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else "?"
        hint = "names are letters, digits and '_'; comments start with '#'"
        if ch in "&|!" and text[pos:pos + 2] in ("&&", "||"):
            return Diagnostic("E013", "'&&', '||' and '!' are not operators here", span,
                              "write `and`, `or` and `not`")
        if ch == "!":
            return Diagnostic("E013", "'!' is not an operator here", span,
                              "write `not x`, or `!=` for 'not equal'")
        if ch == '"':
            hint = "strings are only allowed as a property's description"
        return Diagnostic("E002", f"unexpected character {ch!r}", span, hint)
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    expected = _describe_expected(set(e.accepts or e.expected), lark)
    shown = ", ".join(expected[:6]) + (", ..." if len(expected) > 6 else "")
    width = len(str(tok)) if str(tok) else 1
    span = S.Span(path, line, col, line, col + width)
    word = str(tok)
    hint = f"expected {shown}" if shown else "check the syntax near here"
    accepted = set(e.accepts or e.expected)
    closer = next((c for t, c in (("RPAR", ")"), ("RSQB", "]")) if t in accepted), None)
    if tok.type == "NAME" and "NAME" not in accepted:
        hint += f"; is a newline or operator missing before {word!r}?"
    elif closer is not None and tok.type in ("LBRACE", "COLON", "EQUAL", "$END"):
        hint = f"is a {closer!r} missing before {word!r}? ({hint})"
    swallowed = _keyword_in_block(e)
    if swallowed is not None:
        hint = f"is a '}}' missing before line {swallowed.line}? the block above it is not closed"
    if word in ("then", "else"):
        hint = "an if-expression is `if c then a else b`; an if-statement is `if c { ... } else { ... }`"
    if tok.type == "STRING":
        return Diagnostic("E001", "a string cannot be a value", span,
                          "strings only describe properties (`invariant Name \"text\": ...`); "
                          "for a named value declare an enum, e.g. `enum Role { Primary, Backup }`")
    return Diagnostic("E001", f"unexpected {word!r}", span, hint)


def _describe_expected(names: set[str], lark: Lark) -> list[str]:
    """What the parser would have accepted, in words: an expression or an operator as a
    whole, other tokens as they are written."""
    names = {n for n in names if n != "$END"}
    words: list[str] = []
    if {"NAME", "INT", "LPAR", "TRUE"} <= names:
        words.append("an expression")
        names -= _EXPR_START
    patterns = {t.name: t.pattern for t in lark.terminals}
    if {"CMP", "ADDOP", "AND"} <= names:
        words.append("an operator")
        names -= _OPERATORS | {n for n, p in patterns.items() if p.value in _OPERATOR_TEXTS}
    shown: list[str] = []
    for n in names:
        if n in _KEYWORD_HINTS:
            shown.append(_KEYWORD_HINTS[n])
        elif n in patterns and patterns[n].type == "str":
            shown.append(repr(patterns[n].value))
        else:
            shown.append({"CMP": "a comparison", "ADDOP": "'+' or '-'",
                          "MULOP": "'*', '//' or '%'"}.get(n, n.lower()))
    return words + sorted(shown)
