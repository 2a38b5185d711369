"""Static accessibility checks about content: text alternatives, names and labels, the
language and title, headings, ids that names refer to, and autocomplete (DCA001-DCA016).
Each is registered with :data:`~dcaudit.checks.a11y_family.STATIC_A11Y` under its rule id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from dcaudit.checks.a11y_family import STATIC_A11Y, A11yPage, input_type, visible
from dcaudit.checks.accname import collapse, tag_of
from dcaudit.checks.findings import CheckRule, select
from dcaudit.checks.protocol import Hit

_HEADING_TAG = re.compile(r"^h([1-6])$")
_ID_REFERENCES = (
    "aria-labelledby",
    "aria-describedby",
    "aria-controls",
    "aria-owns",
    "aria-activedescendant",
    "aria-errormessage",
    "aria-details",
    "aria-flowto",
    "headers",
)


@STATIC_A11Y.check("DCA001")
def _image_alt(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for img in visible(view, view.candidates(rule)):
        role = view.tree.role(img)
        if role in {"none", "presentation"} or role not in {"img", "image"}:
            continue
        if not view.tree.name(img):
            alt = img.get("alt")
            detail = "The image has no alt attribute." if alt is None else "The alt text is blank."
            yield Hit(img, detail)


@STATIC_A11Y.check("DCA002")
def _input_image_alt(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for element in visible(view, view.candidates(rule)):
        if input_type(element) == "image" and not view.tree.name(element):
            yield Hit(element)


@STATIC_A11Y.check("DCA003")
def _area_alt(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for area in view.candidates(rule):
        if not view.tree.name(area):
            yield Hit(area)


_NOT_LABELLED_INPUTS = frozenset({"hidden", "button", "submit", "reset", "image"})


_FIELD_ROLES = frozenset(
    {
        "checkbox",
        "combobox",
        "listbox",
        "menuitemcheckbox",
        "menuitemradio",
        "radio",
        "searchbox",
        "slider",
        "spinbutton",
        "switch",
        "textbox",
    }
)


@STATIC_A11Y.check("DCA004")
def _form_field_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for field in visible(view, view.candidates(rule)):
        if tag_of(field) == "input" and input_type(field) in _NOT_LABELLED_INPUTS:
            continue
        if tag_of(field) == "select":
            continue  # DCA005 covers select boxes
        if view.tree.is_presentational(field) or view.tree.role(field) not in _FIELD_ROLES:
            continue
        if not view.tree.name(field):
            yield Hit(field, _field_detail(field))


@STATIC_A11Y.check("DCA005")
def _select_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for field in visible(view, view.candidates(rule)):
        if not view.tree.is_presentational(field) and not view.tree.name(field):
            yield Hit(field, _field_detail(field))


def _field_detail(field: etree._Element) -> str:
    name = collapse(field.get("name") or field.get("id"))
    return f"Field '{name}' has no label." if name else "A form field has no label."


@STATIC_A11Y.check("DCA006")
def _html_has_lang(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    root = view.root
    if tag_of(root) != "html":
        return
    if view.is_html_document and not collapse(root.get("lang")):
        # xml:lang alone does not count: browsers and screen readers read lang in HTML
        yield Hit(root)


@STATIC_A11Y.check("DCA007")
def _html_lang_valid(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    value = view.root.get("lang")
    if view.is_html_document and value and not view.rules.languages.is_valid(value):
        yield Hit(view.root, f'lang="{collapse(value)[:40]}" is not a valid language tag.')


@STATIC_A11Y.check("DCA008")
def _document_title(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    if not view.is_html_document:
        return
    for title in view.root.iter("title"):
        if any(tag_of(a) == "svg" for a in title.iterancestors()):
            continue
        if not collapse(title.text_content()):
            yield Hit(title, "The title element is empty.")
        return
    yield Hit(view.root, "The page has no title element.")


_LINK_ROLES = frozenset({"link", "doc-backlink", "doc-biblioref", "doc-glossref", "doc-noteref"})


@STATIC_A11Y.check("DCA009")
def _link_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for link in visible(view, view.candidates(rule)):
        if view.tree.role(link) not in _LINK_ROLES:
            continue
        if not view.tree.name(link):
            images = [img for img in link.iter("img")]
            detail = "An image link has no text alternative." if images else None
            yield Hit(link, detail)


@STATIC_A11Y.check("DCA010")
def _button_name(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for button in visible(view, view.candidates(rule)):
        if view.tree.role(button) != "button":
            continue
        if tag_of(button) == "input" and input_type(button) == "image":
            continue  # DCA002 covers image buttons
        if not view.tree.name(button):
            yield Hit(button)


def _heading_level(view: A11yPage, element: etree._Element) -> int | None:
    if view.tree.role(element) != "heading":
        return None
    level = (element.get("aria-level") or "").strip()
    if level.isdigit() and int(level) > 0:
        return int(level)
    match = _HEADING_TAG.match(tag_of(element))
    return int(match.group(1)) if match else 2  # role=heading defaults to level 2


@STATIC_A11Y.check("DCA011")
def _heading_order(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    previous: int | None = None
    for heading in visible(view, view.candidates(rule)):
        level = _heading_level(view, heading)
        if level is None:
            continue
        if previous is not None and level > previous + 1:
            yield Hit(heading, f"Heading level {level} follows level {previous}.")
        previous = level


@STATIC_A11Y.check("DCA012")
def _page_has_heading_one(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    body = view.root.find("body")
    if body is None or not collapse(body.text_content()):
        return  # an empty document (a frameset or redirect stub) is not a page to read
    for heading in visible(view, view.candidates(rule)):
        if _heading_level(view, heading) == 1:
            return
    yield Hit(view.root, "The page has no level-one heading.")


@STATIC_A11Y.check("DCA013")
def _empty_heading(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for heading in visible(view, view.candidates(rule)):
        if _heading_level(view, heading) is not None and not view.tree.name(heading):
            yield Hit(heading)


_REFERRERS = etree.XPath(
    "//*[" + " or ".join(f"@{name}" for name in _ID_REFERENCES) + "] | //label[@for]"
)


@STATIC_A11Y.check("DCA014")
def _duplicate_id_referenced(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    referenced: set[str] = set()
    for element in select(_REFERRERS, view.root):
        for attribute in _ID_REFERENCES:
            referenced.update((element.get(attribute) or "").split())
        if tag_of(element) == "label":
            referenced.add(element.get("for") or "")
    for element_id, elements in view.tree.ids.items():
        if element_id in referenced and len(elements) > 1:
            for duplicate in elements[1:]:
                yield Hit(duplicate, f'id="{element_id[:40]}" is used {len(elements)} times.')


_AUTOCOMPLETE_SKIP = frozenset({"hidden", "button", "submit", "reset", "image"})


def _autocomplete_applies(view: A11yPage, element: etree._Element) -> bool:
    if tag_of(element) == "input" and input_type(element) in _AUTOCOMPLETE_SKIP:
        return False
    if view.tree.is_disabled(element) or (element.get("aria-disabled") or "").lower() == "true":
        return False
    return not view.tree.is_rendered_hidden(element)


@STATIC_A11Y.check("DCA015")
def _autocomplete_valid(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for field in view.candidates(rule):
        value = field.get("autocomplete")
        if value is None or not value.strip() or not _autocomplete_applies(view, field):
            continue
        if not view.rules.autocomplete.is_valid(value):
            yield Hit(field, f'autocomplete="{collapse(value)[:60]}" is not a valid value.')


_PERSONAL_INPUT_TYPES = frozenset({"", "text", "email", "tel"})


@STATIC_A11Y.check("DCA016")
def _autocomplete_missing(view: A11yPage, rule: CheckRule) -> Iterator[Hit]:
    for field in view.candidates(rule):
        if tag_of(field) == "input" and input_type(field) not in _PERSONAL_INPUT_TYPES:
            continue
        value = (field.get("autocomplete") or "").strip().lower()
        if value not in {"", "off", "on"} or not _autocomplete_applies(view, field):
            continue
        purpose = _personal_purpose(view, field)
        if purpose is not None:
            yield Hit(
                field, f'This looks like a personal-data field; use autocomplete="{purpose}".'
            )


def _personal_purpose(view: A11yPage, field: etree._Element) -> str | None:
    kind = input_type(field) if tag_of(field) == "input" else ""
    if kind == "email":
        return "email"
    if kind == "tel":
        return "tel"
    described = " ".join(
        [view.tree.name(field), field.get("name") or "", field.get("id") or ""]
    ).lower()
    described = re.sub(r"[_\-.\[\]]+", " ", described)
    for purpose in view.rules.personal:
        if purpose.pattern.search(described):
            return purpose.token
    return None
