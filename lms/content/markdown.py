"""Lesson Markdown: CommonMark and tables, three callouts, no raw HTML, sanitised output.

`render` is called once per lesson at sync; `inspect` gives the loader what it validates
(links to modules, images, unknown callouts, headings, word count) with line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from lms.content.schema import CALLOUTS

MODULE_SCHEME = "module:"
WORD = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:['’\-][0-9A-Za-z\u00C0-\u024F]+)*")
_CALLOUT_LIKE = re.compile(r"^\s{0,3}:{3,}\s*([^\s:]+)")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code",
    "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "img", "aside", "div",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "aside": {"callout"} | {f"callout-{name}" for name in CALLOUTS},
    "p": {"callout-title"},
    "div": {"table-wrap"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _render_callout(name: str, title: str):
    def render(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        if tokens[idx].nesting == 1:
            return f'<aside class="callout callout-{name}">\n<p class="callout-title">{escape(title)}</p>\n'
        return "</aside>\n"

    return render


def _table_open(self, tokens, idx, options, env) -> str:
    return '<div class="table-wrap">\n<table>\n'


def _table_close(self, tokens, idx, options, env) -> str:
    return "</table>\n</div>\n"


# The callouts' titles in each language a course may be translated into (lms.content.translations).
CALLOUT_TITLES = {"en": CALLOUTS, "es": {"try": "Pruebe a decir", "avoid": "Evite", "note": "Nota"}}


@lru_cache(maxsize=4)
def parser(language: str = "en") -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    for name, title in CALLOUT_TITLES.get(language, CALLOUTS).items():
        md.use(container_plugin, name, render=_render_callout(name, title))
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def _inline_lines(inline: Token, first_line: int):
    """Yield (child, line) for the children of an inline token, counting line breaks."""
    line = first_line
    for child in inline.children or ():
        yield child, line
        if child.type in {"softbreak", "hardbreak"}:
            line += 1


def _walk(tokens: Sequence[Token], line_offset: int):
    """Yield (token, line) for block tokens and inline children, with 1-based file lines."""
    for token in tokens:
        first = (token.map[0] + 1 + line_offset) if token.map else None
        yield token, first
        if token.type == "inline" and token.children:
            yield from _inline_lines(token, first or line_offset + 1)


@dataclass(frozen=True)
class Inspection:
    module_links: tuple[tuple[str, int], ...]  # (module slug, line)
    images: tuple[tuple[str, int], ...]  # (src, line)
    unknown_callouts: tuple[tuple[str, int], ...]
    top_headings: tuple[int, ...]  # lines with a level-1 heading
    word_count: int
    raw_html: tuple[tuple[str, int], ...] = ()  # (tag, line): shown as text, since raw HTML is off


def inspect(text: str, line_offset: int = 0) -> Inspection:
    """What the loader checks in a lesson body; lines are 1-based lines of the file."""
    tokens = parser().parse(text)
    links, images, callouts, headings, html = [], [], [], [], []
    words = 0
    for token, line in _walk(tokens, line_offset):
        if token.type == "link_open":
            href = token.attrGet("href") or ""
            if href.startswith(MODULE_SCHEME):
                links.append((href[len(MODULE_SCHEME):].split("#", 1)[0], line))
        elif token.type == "image":
            images.append((token.attrGet("src") or "", line))
            words += len(WORD.findall(token.content or ""))
        elif token.type in {"text", "code_inline"}:
            words += len(WORD.findall(token.content))
            if token.type == "text":
                html.extend((tag, line) for tag in _HTML_TAG.findall(token.content))
        elif token.type == "heading_open" and token.tag == "h1":
            headings.append(line)
        elif token.type == "inline" and token.map:
            # An unknown `::: name` is not parsed as a container: it stays paragraph text.
            match = _CALLOUT_LIKE.match(token.content)
            if match and match.group(1) not in CALLOUTS:
                callouts.append((match.group(1), line))
    return Inspection(tuple(links), tuple(images), tuple(callouts), tuple(headings), words, tuple(html))


def render(
    text: str,
    *,
    module_url: Callable[[str], str | None] = lambda slug: None,
    asset_url: Callable[[str], str | None] = lambda src: None,
    language: str = "en",
) -> str:
    """Render a lesson body to sanitised HTML (callout titles in `language`).

    `module_url(slug)` gives the URL for a `module:<slug>` link and `asset_url(src)` the URL for
    an image from the course folder; either may return None to drop the link or image source.
    """
    md = parser(language)
    env: dict = {}
    tokens = md.parse(text, env)
    in_thead = False
    for token, _line in _walk(tokens, 0):
        if token.type == "thead_open":
            in_thead = True
        elif token.type == "thead_close":
            in_thead = False
        elif token.type == "th_open" and in_thead:
            token.attrs.pop("style", None)
            token.attrSet("scope", "col")
        elif token.type == "link_open":
            href = token.attrGet("href") or ""
            if href.startswith(MODULE_SCHEME):
                slug, _, fragment = href[len(MODULE_SCHEME):].partition("#")
                url = module_url(slug)
                if url is None:
                    token.attrs.pop("href", None)
                else:
                    token.attrSet("href", url + (f"#{fragment}" if fragment else ""))
        elif token.type == "image":
            src = token.attrGet("src") or ""
            if not re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) and not src.startswith("/"):
                url = asset_url(src)
                if url is None:
                    token.attrs.pop("src", None)
                else:
                    token.attrSet("src", url)
    html = md.renderer.render(tokens, md.options, env)
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
