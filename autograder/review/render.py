"""Students' written answers as safe HTML: markdown (markdown-it-py), math as MathML, sanitised by nh3.

Math (``$...$``, ``$$...$$``) is turned into MathML on the server (latex2mathml), which browsers
draw natively: no script and nothing fetched. Raw HTML in an answer goes through the sanitiser
like everything else; images are kept only as inline ``data:`` pictures, so an answer can never
make the TA's browser fetch anything from outside. Code cells are shown as escaped text.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from autograder.reports.escape import visible

MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mspace", "mtext", "mrow", "mfrac", "msqrt", "mroot", "mstyle",
               "merror", "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover",
               "munderover", "mtable", "mtr", "mtd", "semantics", "annotation"}
MATHML_ATTRIBUTES = {"display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder",
                     "lspace", "rspace", "columnalign", "rowspacing", "columnspacing", "displaystyle",
                     "scriptlevel", "width", "height", "depth", "notation", "minsize", "maxsize", "symmetric",
                     "largeop", "movablelimits", "linethickness", "encoding"}


def _math(latex: str, display: bool) -> str:
    try:
        return latex_to_mathml(latex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a student's malformed LaTeX is shown as text, never an error page
        return f'<code class="tex">{html.escape(latex)}</code>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True,
           renderer=lambda content, options: _math(content, bool(options.get("display_mode"))))
    return md


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith("data:image/"):
        return None  # no outside fetches from a TA's browser
    return value


def sanitise(markup: str) -> str:
    """``markup`` with only harmless HTML and MathML left (no script, style, event handler or remote image)."""
    tags = set(nh3.ALLOWED_TAGS) | MATHML_TAGS
    attributes = {tag: set(values) for tag, values in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes.update({tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS})
    attributes.setdefault("code", set()).add("class")
    attributes["math"] |= {"xmlns"}
    return nh3.clean(markup, tags=tags, attributes=attributes, url_schemes={"http", "https", "mailto", "data"},
                     attribute_filter=_keep_attribute, link_rel="noopener noreferrer nofollow")


def markdown_html(text: str) -> str:
    """A markdown cell (or a question's prompt) as sanitised HTML."""
    return sanitise(_markdown().render(text))


def cells_html(cells: list[dict[str, str]]) -> str:
    """An answer's cells: markdown rendered, code shown as text; sanitised."""
    parts = []
    for cell in cells:
        source = visible(str(cell.get("source", "")), keep="\n\r\t")  # no bidi override reorders it
        if cell.get("cell_type") == "code":
            parts.append(f'<pre class="code"><code>{html.escape(source)}</code></pre>')
        else:
            parts.append(f'<div class="markdown">{markdown_html(source)}</div>')
    return "\n".join(parts)
