"""The parsed artifact of one HTML page: decoded once, parsed once, shared by every stage."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast
from urllib.parse import urljoin

import lxml.html
from bs4.dammit import EncodingDetector
from charset_normalizer import from_bytes
from lxml import etree
from lxml.html import HtmlElement

from dcaudit.parse.nesting import NESTING_LIMIT, flatten_nesting

_CHARSET_IN_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_NON_TEXT_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
_WHITESPACE = re.compile(r"\s+")
_NON_LATIN_CODECS = {
    "cp1251",
    "koi8-r",
    "mac-cyrillic",
    "cp1253",
    "cp1255",
    "cp1256",
    "big5",
    "gb18030",
    "gb2312",
    "gbk",
    "euc_jp",
    "shift_jis",
    "cp932",
    "euc_kr",
    "iso8859-5",
    "iso8859-6",
    "iso8859-7",
    "iso8859-8",
    "cp874",
    "tis-620",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
}


def _codec(name: str | None) -> str | None:
    """A usable Python codec name, or None for unknown labels."""
    if not name:
        return None
    import codecs

    label = name.strip().lower()
    # WHATWG: pages labelled Latin-1 / ASCII are decoded as windows-1252
    if label in {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"}:
        label = "windows-1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_body(raw: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML body: HTTP charset, then BOM and ``<meta charset>``, then detection.

    Returns ``(text, encoding used)``.
    """
    for encoding in _declared_encodings(raw, content_type):
        if encoding:
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Undeclared and not UTF-8: windows-1252 (the web's default for Western pages) unless
    # detection finds a non-Latin script, where single-byte Latin guesses are unreliable.
    best = from_bytes(raw[:200_000]).best()
    detected = _codec(best.encoding if best else None)
    encoding = detected if detected in _NON_LATIN_CODECS else "cp1252"
    return raw.decode(encoding, errors="replace"), encoding


def _declared_encodings(raw: bytes, content_type: str | None) -> Iterator[str | None]:
    """The HTTP charset, the BOM's and ``<meta charset>``'s, in that order; each is only
    looked for when the ones before it are missing or do not decode the body."""
    if content_type:
        match = _CHARSET_IN_HEADER.search(content_type)
        yield _codec(match.group(1)) if match else None
    yield _codec(EncodingDetector.strip_byte_order_mark(raw)[1])
    yield _codec(EncodingDetector.find_declared_encoding(raw[:4096], is_html=True))


@dataclass
class ParsedPage:
    """An HTML page parsed once; ``root`` is the lxml tree every stage reads."""

    url: str
    html: str
    root: lxml.html.HtmlElement
    base_url: str
    lang: str | None
    title: str | None
    _cache: dict[str, object] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()  # a parser limit met, and what was done about it

    def absolute(self, href: str) -> str:
        return urljoin(self.base_url, href.strip())

    @cached_property
    def text(self) -> str:
        """Visible text of the body, whitespace collapsed."""
        return visible_text(self.root)


def visible_text(element: lxml.html.HtmlElement) -> str:
    parts: list[str] = []
    _collect_text(element, parts)
    return _WHITESPACE.sub(" ", " ".join(parts)).strip()


def _collect_text(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _NON_TEXT_TAGS or element.get("hidden") is not None:
        if element.tail:
            parts.append(element.tail)
        return
    if element.text and tag:
        parts.append(element.text)
    for child in element:
        _collect_text(child, parts)
    if element.tail:
        parts.append(element.tail)


def _html_parser(*, huge: bool = False) -> lxml.html.HTMLParser:
    """``lxml.html``'s parser with its element classes chosen in C, not by a Python callback.

    ``lxml.html.HtmlElementClassLookup`` calls Python for every element object lxml hands
    out (every step of every ``iter``, ``find`` and XPath result). The same classes come
    from a namespace lookup: the form classes by (lower-case, as parsed) tag name,
    ``HtmlElement``, ``HtmlComment``, ``HtmlProcessingInstruction`` and ``HtmlEntity`` else.
    """
    fallback = etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
    lookup = etree.ElementNamespaceClassLookup(fallback)
    classes = lookup.get_namespace(None)
    for tag, element_class in lxml.html.HtmlElementClassLookup._default_element_classes.items():
        classes[tag] = element_class
    parser = lxml.html.HTMLParser(huge_tree=huge)
    parser.set_element_class_lookup(lookup)
    return parser


_PARSER = _html_parser()
# no limit on a text node's length (10 MB without it); its 2,048 levels are never reached,
# as deeper markup is flattened first
_HUGE_PARSER = _html_parser(huge=True)


def _parse(html: str, parser: lxml.html.HTMLParser) -> HtmlElement:
    try:
        return lxml.html.document_fromstring(html or "<html></html>", parser=parser)
    except (etree.ParserError, ValueError):
        # ValueError: a str with an XML encoding declaration; parse the bytes instead
        try:
            return lxml.html.document_fromstring(
                html.encode("utf-8", errors="replace"), parser=parser
            )
        except etree.ParserError:
            return lxml.html.document_fromstring("<html></html>", parser=parser)


def _limits_met(parser: lxml.html.HTMLParser) -> tuple[bool, bool]:
    """(too deep, text too long): the limits libxml2 met in the last parse, past which it
    silently dropped the rest of the page."""
    messages = [str(error.message) for error in parser.error_log]
    deep = any("Excessive depth" in m for m in messages)
    return deep, any("XML_PARSE_HUGE" in m for m in messages if "Excessive depth" not in m)


def _parse_whole(html: str) -> tuple[HtmlElement, tuple[str, ...]]:
    """Parse ``html`` keeping all of its content; notes say which limit was met."""
    root = _parse(html, _PARSER)
    deep, long_text = _limits_met(_PARSER)
    if not (deep or long_text):
        return root, ()
    notes: list[str] = []
    if deep:
        html, left_out = flatten_nesting(html)
        notes.append(
            f"markup nested more than 256 levels deep: {left_out:,} grouping or styling "
            f"tags past level {NESTING_LIMIT} were left out of the page's structure; "
            "their text, links and forms were kept"
        )
    root = _parse(html, _HUGE_PARSER if long_text else _PARSER)
    if _limits_met(_HUGE_PARSER if long_text else _PARSER)[0]:
        root = _parse(html, _HUGE_PARSER)
    if long_text:
        notes.append("a text of more than 10 MB: read with the parser's limit lifted")
    return root, tuple(notes)


def parse_html(url: str, html: str) -> ParsedPage:
    """Parse ``html`` fetched from ``url``. Never raises on broken markup, and loses no
    content to the parser's limits (``notes`` says when one was met)."""
    root, notes = _parse_whole(html)
    base_url = url
    # the first <base href> and <title>, by lxml's tag filter (in C) rather than ElementPath
    base = next((e for e in root.iter("base") if e.get("href") is not None), None)
    if base is not None:
        base_url = urljoin(url, (base.get("href") or "").strip())
    lang = (
        root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    ).strip()
    title_el = next(root.iter("title"), None)
    title = None
    if title_el is not None:
        title = _WHITESPACE.sub(" ", cast(HtmlElement, title_el).text_content()).strip() or None
    return ParsedPage(
        url=url,
        html=html,
        root=root,
        base_url=base_url,
        lang=lang or None,
        title=title,
        notes=notes,
    )
