"""Page template signature: pages built from the same CMS template share one.

The signature hashes the page's structural skeleton: containers and landmarks (div,
section, header, nav, main, aside, footer, article, form, iframe...) with their ARIA roles,
to a limited depth, plus the kinds of form control a form holds. Text, attributes other
than role, and content elements (paragraphs, headings, lists, images, links) are ignored,
and repeated siblings with the same skeleton count once, so two news articles of different
length match while a page with a form does not. Used to sample pages for the browser pass
and to fingerprint findings across pages of one template.
"""

from __future__ import annotations

import hashlib

from lxml import etree

from dcaudit.parse.document import ParsedPage

MAX_DEPTH = 8
_STRUCTURAL = frozenset(
    {
        "body",
        "header",
        "nav",
        "main",
        "aside",
        "footer",
        "section",
        "article",
        "div",
        "form",
        "fieldset",
        "iframe",
        "dialog",
        "details",
        "video",
        "audio",
        "object",
    }
)
_CONTROLS = frozenset({"input", "select", "textarea", "button"})


def template_signature(parsed: ParsedPage, max_depth: int = MAX_DEPTH) -> str:
    """A short hex digest of the page's DOM skeleton (stable across content changes)."""
    body = parsed.root.find("body")
    skeleton = _skeleton(body, max_depth) if body is not None else "empty"
    return hashlib.sha1(skeleton.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _label(element: etree._Element) -> str:
    tag = str(element.tag).lower()
    role = (element.get("role") or "").strip().lower().split()
    return f"{tag}[{role[0]}]" if role else tag


def _skeleton(element: etree._Element, depth: int) -> str:
    tag = str(element.tag).lower()
    if tag == "form":
        controls = sorted({_control_kind(c) for c in element.iter(*_CONTROLS)})
        return f"form({','.join(controls)})"
    if depth <= 0:
        return _label(element)
    children: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        child_tag = str(child.tag).lower()
        if child_tag in _STRUCTURAL:
            part = _skeleton(child, depth - 1)
        elif child_tag in _CONTROLS:
            part = _control_kind(child)
        else:
            # Content elements are skipped, but forms and landmarks inside them still count.
            nested = [_skeleton(n, depth - 1) for n in child.iter("form", "nav", "main", "iframe")]
            part = "+".join(dict.fromkeys(nested)) if nested else ""
        if part and part not in children:
            children.append(part)  # repeated siblings (list items, cards) count once
    return f"{_label(element)}({' '.join(children)})" if children else _label(element)


def _control_kind(element: etree._Element) -> str:
    tag = str(element.tag).lower()
    if tag == "input":
        return f"input:{(element.get('type') or 'text').strip().lower()}"
    return tag
