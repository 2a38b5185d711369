"""Stable CSS selectors for extracted elements, usable by ``document.querySelector``.

``#id`` when the id is unique in the page; otherwise a short child path with
``:nth-of-type`` from the nearest ancestor with a unique id (or from ``body``/``head``).
lxml does not insert the ``<tbody>`` a browser adds to tables, so a ``tr`` directly under
a ``table`` is reached with a descendant combinator, which matches in both trees.
"""

from __future__ import annotations

import re

import lxml.html

from dcaudit.extract.page_index import PageIndex

_PLAIN_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")


def css_escape(ident: str) -> str:
    """Serialise ``ident`` as a CSS identifier (CSSOM "serialize an identifier")."""
    if _PLAIN_IDENT.match(ident) and ident != "-":
        return ident
    out = []
    for i, char in enumerate(ident):
        code = ord(char)
        if code == 0:
            out.append("\ufffd")
        elif (
            0x1 <= code <= 0x1F
            or code == 0x7F
            or (char.isdigit() and (i == 0 or (i == 1 and ident[0] == "-")))
        ):
            out.append(f"\\{code:x} ")
        elif i == 0 and char == "-" and len(ident) == 1:
            out.append("\\-")
        elif code >= 0x80 or char in "-_" or char.isalnum():
            out.append(char)
        else:
            out.append("\\" + char)
    return "".join(out)


def css_selector(element: lxml.html.HtmlElement, index: PageIndex) -> str:
    steps: list[str] = []
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        tag = node.tag
        node_id = node.get("id")
        if node_id and index.is_unique_id(node_id):
            steps.append("#" + css_escape(node_id))
            break
        if tag in {"body", "head", "html"}:
            steps.append(tag)
            break
        parent = node.getparent()
        step = tag
        if parent is not None:
            same = [c for c in parent if c.tag == tag]
            if len(same) > 1:
                step = f"{tag}:nth-of-type({same.index(node) + 1})"
            if tag == "tr" and parent.tag == "table":
                step = " " + step  # marker: descendant combinator (browser adds tbody)
        steps.append(step)
        node = parent
    steps.reverse()
    selector = steps[0]
    for step in steps[1:]:
        selector += step if step.startswith(" ") else " > " + step
    return selector
