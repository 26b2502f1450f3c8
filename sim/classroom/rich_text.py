"""Markdown drawn as one light HTML widget (the student page's text).

Why not `solara.Markdown`: it puts the HTML inside a new Vue template each time the text changes
(a new widget, ~10 kB of template sent, for the day and today's numbers at every step), and its
template makes every student's browser download mermaid (3 MB of JavaScript) before the page is
usable. The student page's text is plain Markdown (headings, bold, lists), so it is converted
once per text on the server and sent as HTML into one widget that updates in place, styled
like `solara.Markdown` (the same CSS classes).
"""

from __future__ import annotations

import functools
import html

import markdown
import solara

MARKDOWN_CLASSES = ["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"]
"""The classes `solara.Markdown` gives its text, so both look the same."""


@functools.lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Markdown as HTML (the same text converts once, whoever shows it)."""
    return markdown.markdown(text, extensions=["tables"])


def escaped(text: str) -> str:
    """Text typed by someone (a student's name) made safe to put inside Markdown."""
    return html.escape(text).replace("*", "&#42;").replace("_", "&#95;")


@solara.component
def RichText(text: str, classes: list[str] | None = None) -> None:
    """`text` (Markdown from the lesson files and the page itself) as HTML."""
    solara.HTML(unsafe_innerHTML=to_html(text), classes=[*MARKDOWN_CLASSES, *(classes or [])])
