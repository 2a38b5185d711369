"""Static accessibility checks about structure and behaviour: zoom, frames, tables, the
language of parts, refresh, focus order, media, ARIA attributes and roles, and lists
(DCA017-DCA032). Each is registered with :data:`~dcaudit.checks.a11y_family.STATIC_A11Y`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from dcaudit.checks.a11y_family import STATIC_A11Y, A11yPage, visible
from dcaudit.checks.accname import collapse, iter_elements, tag_of
from dcaudit.checks.findings import CheckRule
from dcaudit.checks.protocol import Hit
from dcaudit.models import Outcome

_VIEWPORT_SPLIT = re.compile(r"[,;]")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)")


def _viewport_properties(content: str) -> dict[str, str]:
    props = {}
    for part in _VIEWPORT_SPLIT.split(content):
        if "=" in part:
            key, _, value = part.partition("=")
            props[key.strip().lower()] = value.strip().lower()
    return props


def _viewport_number(value: str) -> float | None:
    """Meta viewport values: numbers, yes/no and device-* keywords (CSS Device Adaptation)."""
    if value in {"device-width", "device-height"}:
        return 10.0
    if value == "yes":
        return 1.0
    match = _NUMBER.match(value)
    if match:
        return float(match.group(0))
    return 0.0  # 'no' and unknown words count as zero


@STATIC_A11Y.check("DCA017")
def _meta_viewport_zoom(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    minimum = float(rule.option("scale_minimum", 2))
    for meta in view.candidates(rule):
        if (meta.get("name") or "").strip().lower() != "viewport":
            continue
        props = _viewport_properties(meta.get("content") or "")
        scalable = props.get("user-scalable")
        if scalable is not None:
            number = _viewport_number(scalable)
            if number is not None and -1 < number < 1:
                yield Hit(meta, f"user-scalable={scalable[:20]} disables zoom.")
                continue
        maximum = props.get("maximum-scale")
        if maximum is not None:
            number = _viewport_number(maximum)
            if number is not None and 0 <= number < minimum:
                yield Hit(meta, f"maximum-scale={maximum[:20]} limits zoom below {minimum:g}x.")


_NO_ROLE = frozenset({"none", "presentation"})


@STATIC_A11Y.check("DCA018")
def _frame_title(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for frame in visible(view, view.candidates(rule)):
        index = view.tree.tabindex(frame)
        if (index is not None and index < 0) or view.tree.explicit_role(frame) in _NO_ROLE:
            continue
        if not view.tree.name(frame):
            yield Hit(frame)


@STATIC_A11Y.check("DCA019")
def _headers_attribute(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for table in view.candidates(rule):
        if view.tree.explicit_role(table) not in {None, "table", "grid", "treegrid"}:
            continue
        cells = {
            cell.get("id"): cell
            for cell in table.iter("td", "th")
            if cell.get("id") and _owning_table(cell) is table
        }
        for cell in table.iter("td", "th"):
            if _owning_table(cell) is not table or cell.get("headers") is None:
                continue
            for ref in (cell.get("headers") or "").split():
                if ref not in cells or cells[ref] is cell:
                    yield Hit(cell, f'headers="{ref[:40]}" names no other cell of this table.')
                    break


def _owning_table(cell: etree._Element) -> etree._Element | None:
    for ancestor in cell.iterancestors():
        if tag_of(ancestor) == "table":
            return ancestor
    return None


@STATIC_A11Y.check("DCA020")
def _data_table_headers(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    min_rows = int(rule.option("min_rows", 2))
    min_columns = int(rule.option("min_columns", 2))
    for table in visible(view, view.candidates(rule)):
        if view.tree.is_presentational(table) or view.tree.explicit_role(table) not in {
            None,
            "table",
        }:
            continue
        if any(
            _owning_table(inner) is table for inner in table.iter("table") if inner is not table
        ):
            continue  # tables holding tables are layout
        rows = [row for row in table.iter("tr") if _owning_table(row) is table]
        widest = max((sum(1 for c in row if tag_of(c) in {"td", "th"}) for row in rows), default=0)
        if len(rows) < min_rows or widest < min_columns:
            continue
        has_headers = any(
            tag_of(cell) == "th"
            or cell.get("scope")
            or cell.get("headers")
            or view.tree.explicit_role(cell) in {"columnheader", "rowheader"}
            for cell in table.iter("td", "th")
        )
        if not has_headers:
            yield Hit(table, f"A table of {len(rows)} rows has no header cells.")


@STATIC_A11Y.check("DCA021")
def _element_lang_valid(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for element in view.candidates(rule):
        if element is view.root:
            continue
        value = element.get("lang")
        if value is None or value == "" or view.rules.languages.is_valid(value):
            continue
        if _has_own_text(view, element):
            yield Hit(element, f'lang="{collapse(value)[:40]}" is not a valid language tag.')


def _has_own_text(view: A11yPage, element: etree._Element) -> bool:
    """Visible or exposed text whose language this element's lang attribute decides."""

    def walk(node: etree._Element, top: bool) -> bool:
        if not top and (node.get("lang") is not None or view.tree.is_rendered_hidden(node)):
            return False
        if top and view.tree.is_rendered_hidden(node):
            return False
        if (node.text or "").strip() or collapse(node.get("alt")):
            return True
        for child in node:
            if isinstance(child.tag, str) and walk(child, False):
                return True
            if (child.tail or "").strip():
                return True
        return False

    return walk(element, True)


_REFRESH = re.compile(r"^\s*(\d+)(?:\.[\d.]*)?(?=$|[\s;,])")


@STATIC_A11Y.check("DCA022")
def _meta_refresh(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    longest = int(rule.option("max_delay", 72000))
    for meta in view.candidates(rule):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        match = _REFRESH.match(meta.get("content") or "")
        if not match:
            continue  # browsers ignore an invalid refresh; the first valid one decides
        delay = int(match.group(1))
        if 0 < delay <= longest:
            redirect = bool((meta.get("content") or "")[match.end() :].strip(" ;,"))
            kind = "redirects" if redirect else "reloads"
            yield Hit(meta, f"The page {kind} after {delay} seconds.")
        return


@STATIC_A11Y.check("DCA023")
def _positive_tabindex(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for element in visible(view, view.candidates(rule)):
        index = view.tree.tabindex(element)
        if index is not None and index > 0:
            yield Hit(element, f'tabindex="{index}" changes the focus order.')


@STATIC_A11Y.check("DCA024")
def _autoplay_without_controls(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for media in view.candidates(rule):
        if media.get("autoplay") is None or media.get("muted") is not None:
            continue
        if media.get("controls") is None and not view.tree.is_rendered_hidden(media):
            yield Hit(media, f"<{tag_of(media)} autoplay> plays without controls.")


@STATIC_A11Y.check("DCA025")
def _aria_hidden_body(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for body in view.candidates(rule):
        if (body.get("aria-hidden") or "").strip().lower() == "true":
            yield Hit(body)


@STATIC_A11Y.check("DCA026")
def _aria_hidden_focus(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for element in view.candidates(rule):
        if (element.get("aria-hidden") or "").strip().lower() != "true" or tag_of(
            element
        ) == "body":
            continue
        if any(
            (a.get("aria-hidden") or "").strip().lower() == "true" for a in element.iterancestors()
        ):
            continue  # reported once, on the outermost hidden element
        for node in iter_elements(element):
            if view.tree.is_rendered_hidden(node):
                continue
            if view.tree.is_tabbable(node):
                # Script may move focus away from it (a focus-trap sentinel): cannot tell.
                managed = bool(node.get("id")) and node.get("id", "") in view.script_text
                outcome = Outcome.NEEDS_REVIEW if managed else None
                yield Hit(element, f"It contains a focusable <{tag_of(node)}>.", outcome)
                break


@STATIC_A11Y.check("DCA027")
def _role_img_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for element in visible(view, view.candidates(rule)):
        if tag_of(element) in {"img", "area", "input", "object", "svg"}:
            continue
        if view.tree.explicit_role(element) in {"img", "image"} and not view.tree.name(element):
            yield Hit(element)


@STATIC_A11Y.check("DCA028")
def _svg_img_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    roles = {"img", "image", "graphics-document", "graphics-symbol"}
    for svg in visible(view, view.candidates(rule)):
        inside_svg = tag_of(svg) == "svg" or any(tag_of(a) == "svg" for a in svg.iterancestors())
        if inside_svg and view.tree.explicit_role(svg) in roles and not view.tree.name(svg):
            yield Hit(svg)


@STATIC_A11Y.check("DCA029")
def _listitem_in_list(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for item in visible(view, view.candidates(rule)):
        if item.get("role") is not None:
            continue
        parent = item.getparent()
        if parent is None:
            continue
        parent_role = view.tree.explicit_role(parent)
        if parent_role in {"list", "directory"}:
            continue
        if parent_role is None and tag_of(parent) in {"ul", "ol", "menu"}:
            continue
        yield Hit(item, f"<li> sits in <{tag_of(parent)}>, not in a list.")


@STATIC_A11Y.check("DCA030")
def _list_children(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    allowed = {"li", "script", "template"}
    for listing in visible(view, view.candidates(rule)):
        if listing.get("role") is not None:
            continue
        for child in listing:
            if not isinstance(child.tag, str) or view.tree.is_hidden(child):
                continue
            if tag_of(child) not in allowed and view.tree.explicit_role(child) != "listitem":
                yield Hit(listing, f"The list holds a <{tag_of(child)}> outside any <li>.")
                break


@STATIC_A11Y.check("DCA031")
def _aria_attribute_defined(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    known = view.rules.vocab.attributes
    for element in iter_elements(view.root):
        for name in element.attrib:
            lowered = str(name).lower()
            if lowered.startswith("aria-") and lowered not in known:
                yield Hit(element, f"{lowered[:40]} is not an ARIA attribute.")
                break


@STATIC_A11Y.check("DCA032")
def _role_valid(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    vocab = view.rules.vocab
    for element in visible(view, view.candidates(rule)):
        tokens = (element.get("role") or "").lower().split()
        if tokens and not any(t in vocab.roles for t in tokens):
            yield Hit(element, f'role="{" ".join(tokens)[:40]}" is not a valid ARIA role.')
