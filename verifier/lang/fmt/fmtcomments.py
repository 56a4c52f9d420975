"""Stage 2, backwards (part): where the comments of a spec go when it is reformatted.

The parser drops comments, so ``verifier/lang/fmt/formatter.py`` gets them back from the source
text: ``place_comments`` reads every ``#`` comment and attaches it, by the source spans
of the AST, to a declaration or statement (a comment on its own line goes before the
item it precedes; one at the end of an item's last line stays there; one before a
``}`` stays at the end of its block; one inside a multi-line expression moves above
its statement). It also records the blank lines between items (at most one is kept).
Only the braces of blocks are looked up in the text, and only for items that hold
comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from verifier.lang import syntax as S


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``#`` comment: 1-based line and column, its text without the line end."""

    offset: int
    line: int
    col: int
    text: str


def collect_comments(source: str) -> list[Comment]:
    """Every comment of a spec's text, in order (``#`` inside a doc string is text)."""
    out: list[Comment] = []
    line, line_start, i, n = 1, 0, 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
        elif ch == '"':
            end = source.find('"', i + 1)
            nl = source.find("\n", i + 1)
            if end < 0 or (0 <= nl < end):  # not a string; the parser would have refused it
                end = i
            i = end
        elif ch == "#":
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append(Comment(i, line, i - line_start + 1, source[i:end].rstrip()))
            i = end
            continue
        i += 1
    return out


@dataclass
class Entry:
    """One line group of a block or of the file: a comment on its own line, or an item
    (declaration or statement) with the comment that ends its last line."""

    item: S.Decl | S.Stmt | None
    comment: str | None = None
    blank: bool = False
    trailing: str | None = None


@dataclass(frozen=True, slots=True)
class _Region:
    """A block in the source: ``open`` and ``close`` are the offsets of its braces (for
    an ``else if``, which has none, the end of the then-block and of the statement)."""

    index: int
    open: int
    close: int
    stmts: tuple[S.Stmt, ...]
    braced: bool = True


@dataclass
class BlockNotes:
    entries: list[Entry]
    opening: str | None = None  # a comment after the `{`


@dataclass
class Layout:
    """Where the comments go: the file's entries and, per block, its entries."""

    top: list[Entry]
    blocks: dict[tuple[int, int], BlockNotes] = field(default_factory=dict)


class _Placer:
    """Attaches comments to declarations and statements using their source spans."""

    def __init__(self, source: str, comments: list[Comment]) -> None:
        self.src = source
        self.comments = comments
        self.starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.starts.append(i + 1)
        self.blocks: dict[tuple[int, int], BlockNotes] = {}

    def off(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col - 1 if 0 < line <= len(self.starts) else len(self.src)

    def start(self, node: S.Decl | S.Stmt | S.Expr) -> int:
        return self.off(node.span.line, node.span.col)

    def end(self, node: S.Decl | S.Stmt | S.Expr) -> int:
        return self.off(node.span.end_line, node.span.end_col)

    # -- scanning the source between the nodes
    def _skip(self, i: int) -> int:
        """The offset of the next character that is not blank and not in a comment."""
        src = self.src
        while i < len(src):
            if src[i] == "#":
                nl = src.find("\n", i)
                i = len(src) if nl < 0 else nl
            elif src[i].isspace():
                i += 1
            else:
                break
        return i

    def find(self, i: int, ch: str) -> int:
        """The next ``ch`` outside comments, strings and parentheses."""
        depth, src = 0, self.src
        while i < len(src):
            i = self._skip(i)
            if i >= len(src):
                break
            c = src[i]
            if c == ch and depth == 0:
                return i
            if c in "([":
                depth += 1
            elif c in ")]":
                depth = max(0, depth - 1)
            elif c == '"':
                i = src.find('"', i + 1)
            i += 1
        return len(src)

    def match(self, i: int) -> int:
        """The ``}`` closing the ``{`` at ``i``."""
        depth, src = 0, self.src
        while i < len(src):
            i = self._skip(i)
            if i >= len(src):
                break
            c = src[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i
            elif c == '"':
                i = src.find('"', i + 1)
            i += 1
        return len(src)

    def word_at(self, i: int) -> tuple[str, int]:
        i = self._skip(i)
        j = i
        while j < len(self.src) and (self.src[j].isalnum() or self.src[j] == "_"):
            j += 1
        return (self.src[i:j] or self.src[i:i + 1]), i

    def line_of(self, i: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= i:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def regions(self, node: S.Decl | S.Stmt) -> list[_Region]:
        """The blocks of a compound declaration or statement, located in the source."""
        match node:
            case S.ActionDecl(_, _, body):
                o = self.find(self.start(node), "{")
                return [_Region(0, o, self.match(o), body)]
            case S.Pick(_, dom, body):
                o = self.find(self.end(dom), "{")
                return [_Region(0, o, self.match(o), body)]
            case S.Either(branches):
                out = []
                o = self.find(self.start(node), "{")
                for k, b in enumerate(branches):
                    c = self.match(o)
                    out.append(_Region(k, o, c, b))
                    o = self.find(c + 1, "{")
                return out
            case S.If(cond, then, other):
                o = self.find(self.end(cond), "{")
                c = self.match(o)
                out = [_Region(0, o, c, then)]
                if other:
                    word, at = self.word_at(c + 1)  # `else`
                    nxt, at2 = self.word_at(at + len(word))
                    if nxt == "{":
                        out.append(_Region(1, at2, self.match(at2), other))
                    else:  # `else if`: no braces of its own
                        out.append(_Region(1, c, self.end(node), other, braced=False))
                return out
        return []

    # -- placing
    def layout(self, decls: tuple[S.Decl, ...]) -> Layout:
        entries = self.place(list(decls), self.comments, None)
        return Layout(entries, self.blocks)

    def place(self, items: Sequence[S.Decl | S.Stmt], comments: list[Comment],
              last_line: int | None) -> list[Entry]:
        out: list[Entry] = []
        ci = 0
        prev: Entry | None = None
        for item in items:
            s, e = self.start(item), self.end(item)
            while ci < len(comments) and comments[ci].offset < s:
                c = comments[ci]
                ci += 1
                if prev is not None and prev.trailing is None and c.line == last_line:
                    prev.trailing = c.text
                    continue
                out.append(Entry(None, c.text, _blank(last_line, c.line)))
                last_line = c.line
            inner = []
            while ci < len(comments) and comments[ci].offset < e:
                inner.append(comments[ci])
                ci += 1
            hoisted = self.into_blocks(item, inner)
            for k, c in enumerate(hoisted):  # inside an expression: moved above the item
                out.append(Entry(None, c.text, k == 0 and _blank(last_line, item.span.line)))
            prev = Entry(item, blank=not hoisted and _blank(last_line, item.span.line))
            out.append(prev)
            last_line = item.span.end_line
        for c in comments[ci:]:
            if prev is not None and prev.trailing is None and c.line == last_line:
                prev.trailing = c.text
                continue
            out.append(Entry(None, c.text, _blank(last_line, c.line)))
            last_line = c.line
        if out:
            out[0].blank = False
        return out

    def into_blocks(self, item: S.Decl | S.Stmt, inner: list[Comment]) -> list[Comment]:
        """Hand the comments inside ``item`` to its blocks; return the others."""
        blocks = _blocks(item)
        if not blocks:
            return inner
        if not inner:  # no need to find the braces
            for k, stmts in blocks:
                self.blocks[(id(item), k)] = BlockNotes(self.place(stmts, [], None))
            return []
        regions = self.regions(item)
        hoisted: list[Comment] = []
        per: dict[int, list[Comment]] = {r.index: [] for r in regions}
        for c in inner:
            home = next((r for r in regions if r.open < c.offset < r.close), None)
            if home is None:
                # between two blocks (`} # x` before `else`): the end of the block before
                before = [r.index for r in regions if r.close < c.offset]
                (per[before[-1]] if before else hoisted).append(c)
            elif not home.braced and c.offset < self.start(home.stmts[0]):
                per[0].append(c)  # between `else` and `if`: the end of the then-block
            else:
                per[home.index].append(c)
        for r in regions:
            cs = per[r.index]
            opening = None
            open_line = self.line_of(r.open) if r.braced else None
            if cs and cs[0].line == open_line and (not r.stmts or self.start(r.stmts[0]) > cs[0].offset):
                opening = cs.pop(0).text
            self.blocks[(id(item), r.index)] = BlockNotes(self.place(r.stmts, cs, open_line), opening)
        return hoisted


def _blocks(node: S.Decl | S.Stmt) -> list[tuple[int, tuple[S.Stmt, ...]]]:
    match node:
        case S.ActionDecl(_, _, body) | S.Pick(_, _, body):
            return [(0, body)]
        case S.Either(branches):
            return list(enumerate(branches))
        case S.If(_, then, other):
            return [(0, then), (1, other)] if other else [(0, then)]
    return []


def place_comments(spec: S.Spec, source: str | None) -> Layout:
    """The file's line groups and each block's, with the comments of ``source`` (if any)
    attached; ``spec`` must have the source positions of a parse of ``source``."""
    comments = collect_comments(source) if source is not None else []
    return _Placer(source or "", comments).layout(spec.decls)


def _blank(last_line: int | None, line: int) -> bool:
    return last_line is not None and line - last_line > 1
