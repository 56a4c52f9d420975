"""A small structural reader for the HTML report, built on ``html.parser``: checks
that tags nest and close, and collects the elements the tests look at."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_class(self, cls: str) -> list[tuple[str, dict[str, str]]]:
        return [(t, a) for t, a in self.elements if cls in a.get("class", "").split()]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    if page.stack:
        page.problems.append(f"unclosed: {page.stack}")
    return page


def timeline_facts(page: Page) -> tuple[list[list[str]], list[list[tuple[str, str]]]]:
    """Per ``<svg class="timeline">`` in document order: its lane names, and its
    fault marks as (step, lane) with lane ``*`` for a mark across all lanes."""
    lanes: list[list[str]] = []
    marks: list[list[tuple[str, str]]] = []
    for tag, attrs in page.elements:
        cls = attrs.get("class", "").split()
        if tag == "svg" and "timeline" in cls:
            lanes.append([])
            marks.append([])
        elif tag == "g" and "lane" in cls:
            lanes[-1].append(attrs["data-lane"])
        elif tag == "g" and "fault-mark" in cls:
            marks[-1].append((attrs["data-step"], attrs["data-lane"]))
    return lanes, marks


def arrow_facts(page: Page) -> list[list[tuple[str, str, str]]]:
    """Per ``<svg class="timeline">`` in document order: its message arrows as
    (step, from lane, to lane)."""
    arrows: list[list[tuple[str, str, str]]] = []
    for tag, attrs in page.elements:
        cls = attrs.get("class", "").split()
        if tag == "svg" and "timeline" in cls:
            arrows.append([])
        elif tag == "g" and "message" in cls:
            arrows[-1].append((attrs["data-step"], attrs["data-from"], attrs["data-to"]))
    return arrows
