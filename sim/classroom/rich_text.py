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
import re

import markdown
import solara

MARKDOWN_CLASSES = ["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"]
"""The classes `solara.Markdown` gives its text, so both look the same."""


PLAIN = re.compile(r"[A-Za-z0-9 .,:;·'\"()/%$+=?!\u2013\u2014-]*")
"""Characters that mean nothing to Markdown (after bold `**...**` is taken out)."""
BOLD = re.compile(r"\*\*([^*]+)\*\*")


@functools.lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Markdown as HTML (the same text converts once, whoever shows it). The day's lines (a
    heading, paragraphs with bold numbers) are converted directly, giving the same HTML as
    python-markdown ~50 times faster (they change at every step); anything else goes through
    python-markdown."""
    simple = simple_html(text)
    return simple if simple is not None else markdown.markdown(text, extensions=["tables"])


def simple_html(text: str) -> str | None:
    """HTML for text made only of `### heading` lines and one-line paragraphs with plain
    words and `**bold**`; None for anything else."""
    blocks = []
    for block in text.strip("\n").split("\n\n"):
        heading = block.startswith("### ")
        inline = block[4:] if heading else block
        bare = BOLD.sub(r"\1", inline)
        if "\n" in block or not PLAIN.fullmatch(bare) or bare != bare.strip() or not bare:
            return None
        if not heading and re.match(r"\d+\. |[-+] |#", inline):
            return None  # a list or another heading
        inline = BOLD.sub(r"<strong>\1</strong>", inline)
        blocks.append(f"<h3>{inline}</h3>" if heading else f"<p>{inline}</p>")
    return "\n".join(blocks)


def escaped(text: str) -> str:
    """Text typed by someone (a student's name) made safe to put inside Markdown."""
    return html.escape(text).replace("*", "&#42;").replace("_", "&#95;")


@solara.component
def RichText(text: str, classes: list[str] | None = None) -> None:
    """`text` (Markdown from the lesson files and the page itself) as HTML."""
    solara.HTML(unsafe_innerHTML=to_html(text), classes=[*MARKDOWN_CLASSES, *(classes or [])])
