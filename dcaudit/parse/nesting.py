"""Markup nested deeper than the HTML parser goes, made shallow without losing content.

libxml2 (under lxml) stops building the tree at 256 levels of nesting and drops everything
after that point: later links, forms and text vanish without a word. Legacy pages reach
that depth with thousands of unclosed ``<font>``/``<b>`` tags or layout tables inside
layout tables. Such a page is read again with the tags beyond ``limit`` levels set aside:
a tag that only groups or styles (``div``, ``font``, ``table``...) is left out, its
content stays where it was; tags that carry meaning (links, forms and their controls,
frames, images, headings) are always kept. Pages within the limit never come here.
"""

from __future__ import annotations

import re
from collections import Counter

PARSE_RULE = "dcaudit/parse"  # the finding of a page whose markup met a parser limit
NESTING_LIMIT = 200  # levels kept; below libxml2's 256 and Python's recursion limit


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


KEPT = _names(
    "html head body title base meta link a area form input select option optgroup textarea "
    "button label fieldset legend output iframe frame frameset img picture source video "
    "audio object embed h1 h2 h3 h4 h5 h6 main nav"
)
VOID = _names("area base br col embed hr img input keygen link meta param source track wbr")
RAW_TEXT = _names("script style textarea title xmp noembed noframes plaintext")
SELF_CLOSING = _names("p li dt dd tr td th option optgroup")  # ended by one of their kind
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S
)


def flatten_nesting(html: str, limit: int = NESTING_LIMIT) -> tuple[str, int]:
    """``html`` with grouping and styling tags deeper than ``limit`` levels left out, and
    how many start tags were left out (their end tags go with them)."""
    out: list[str] = []
    stack: list[str] = []
    dropped: Counter[str] = Counter()
    dropped_total = 0
    position = 0
    for match in _TOKEN.finditer(html):
        if match.start() < position:
            continue  # inside raw text already copied
        closing, raw_name = match.group(1), match.group(2)
        if raw_name is None:
            continue  # a comment: copied as it is
        name = raw_name.lower()
        if closing:
            keep = _close(name, stack, dropped)
        else:
            keep = _open(name, stack, limit, match.group(3))
            dropped_total += not keep
            if not keep:
                dropped[name] += 1
        out.append(html[position : match.start()])
        position = match.end()
        if keep:
            out.append(match.group(0))
        if keep and not closing and name in RAW_TEXT:
            end = re.compile(rf"</{re.escape(name)}\s*>", re.I).search(html, position)
            stop = end.end() if end else len(html)
            out.append(html[position:stop])
            position = stop
            if stack and stack[-1] == name:
                stack.pop()
    out.append(html[position:])
    return "".join(out), dropped_total


def _open(name: str, stack: list[str], limit: int, attributes: str) -> bool:
    """Whether to keep a start tag; keeps the stack of open elements."""
    if name in VOID or (attributes.rstrip().endswith("/") and name not in RAW_TEXT):
        return True  # nothing to close: void, or self-closed (as in SVG)
    if name in SELF_CLOSING and stack and stack[-1] == name:
        stack.pop()  # a new <li> ends the open one
    if len(stack) >= limit and name not in KEPT and name not in RAW_TEXT:
        return False
    stack.append(name)
    return True


def _close(name: str, stack: list[str], dropped: Counter[str]) -> bool:
    """Whether to keep an end tag: not when it closes a start tag left out."""
    if dropped[name]:
        dropped[name] -= 1
        return False
    if name in stack:
        while stack.pop() != name:
            pass
    return True


__all__ = ["NESTING_LIMIT", "PARSE_RULE", "flatten_nesting"]
