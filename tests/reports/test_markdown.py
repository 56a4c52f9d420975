"""The Markdown rendering: golden files, tables that spec text cannot break."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from verifier.reports.markdown import code, render_markdown, text

from . import samples

Golden = Callable[[str, str], None]


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_markdown_golden(name: str, golden: Golden) -> None:
    golden(f"{name}.md", render_markdown(samples.ALL[name]()))


def _cells(row: str) -> int:
    """Cells of a GFM table row: pipes not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_table_row_has_its_header_width(name: str) -> None:
    lines = render_markdown(samples.ALL[name]()).splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ") and (i == 0 or not lines[i - 1].startswith("|")):
            width = _cells(line)
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == width, lines[j]
                j += 1


def test_spec_text_is_escaped() -> None:
    out = render_markdown(samples.evil())
    # Outside code spans no raw tag survives: every '<' is escaped.
    outside = re.sub(r"(`+).*?\1", "", out)
    assert not re.search(r"(?<!\\)<(?!br>)", outside)
    assert "\x1b" not in out
    assert r"doc \<script\>alert(1)\</script\> \* \_em\_ \[link\](x) \| \&" in out


def test_escaping_helpers() -> None:
    assert text("a|b") == r"a\|b"
    assert text("# not a heading") == r"\# not a heading"
    assert text("1. not a list") == r"1\. not a list"
    assert text("2.50 s") == r"2\.50 s"
    assert code("x") == "`x`"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("p|q") == r"`p\|q`"


def test_trace_is_a_table_of_changes() -> None:
    out = render_markdown(samples.dual_master())
    assert "| step | action | changes |" in out
    assert ("| 2 | **`Crash(T)`** ⚡ fault | `role[T]: follower → down`<br>"
            "`up[T]: true → false`<br>`faults.Crash: 0 → 1` |") in out
    assert "❌ runtime error: index 3 is out of range" in out
    assert "## Statistics" in out and "## Coverage" in out
    assert "| `Failback` |  | 0 | 0 | ⚠️ never enabled |" in out
