"""Forms, and groups of controls that submit without a ``<form>`` (``form=`` or a button)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import lxml.html

from dcaudit.engine.text import clean
from dcaudit.extract.candidates import Candidate, FormShape, RadioGroup
from dcaudit.extract.labels import (
    LABEL_LIMIT,
    accessible_name,
    element_text,
    group_label,
    is_hidden,
)
from dcaudit.extract.page_index import PageIndex, chrome_landmark
from dcaudit.extract.urls import absolute_url
from dcaudit.models import Field, Kind
from dcaudit.parse.document import ParsedPage

_CONTROLS = frozenset({"input", "select", "textarea"})
_NOT_FIELDS = frozenset({"hidden", "submit", "button", "reset", "image"})
_SUBMIT_INPUTS = frozenset({"submit", "image"})
_INERT = frozenset({"template", "noscript"})


def _inert(element: lxml.html.HtmlElement) -> bool:
    node = element.getparent()
    while node is not None:
        if node.tag in _INERT:
            return True
        node = node.getparent()
    return False


def _input_type(control: lxml.html.HtmlElement) -> str:
    if control.tag == "textarea":
        return "textarea"
    if control.tag == "select":
        return "select"
    return (control.get("type") or "text").strip().lower() or "text"


def _is_submit(control: lxml.html.HtmlElement, any_button: bool = False) -> bool:
    if control.tag == "button":
        kind = (control.get("type") or "submit").strip().lower()
        return kind == "submit" or (any_button and kind == "button")
    if control.tag == "input":
        kind = _input_type(control)
        return kind in _SUBMIT_INPUTS or (any_button and kind == "button")
    return False


def _submit_text(control: lxml.html.HtmlElement) -> str:
    if control.tag == "input":
        return clean(control.get("value") or control.get("alt") or control.get("aria-label"))
    return clean(element_text(control) or control.get("aria-label") or control.get("value"))


def build_shape(
    method: str, controls: list[lxml.html.HtmlElement], index: PageIndex, any_button: bool = False
) -> FormShape:
    walked = _walk_controls(controls, index, any_button)
    fields, radio_groups = _ordered_fields(walked, index)
    return FormShape(
        method=method,
        fields=fields,
        type_counts=dict(walked.counts),
        radio_groups=radio_groups,
        field_names=tuple(walked.names),
        submit_texts=tuple(walked.submits),
    )


@dataclass
class _Walked:
    """A form's controls read in document order: visible fields, radio and checkbox groups
    (kind -> group key -> members), field names, submit texts, and the order of both."""

    fields: list[Field] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    groups: dict[str, dict[str, list[lxml.html.HtmlElement]]] = field(
        default_factory=lambda: {"radio": {}, "checkbox": {}}
    )
    names: list[str] = field(default_factory=list)
    submits: list[str] = field(default_factory=list)
    order: list[tuple[str, str]] = field(default_factory=list)  # (kind, key) of fields, groups


def _walk_controls(
    controls: list[lxml.html.HtmlElement], index: PageIndex, any_button: bool
) -> _Walked:
    walked = _Walked()
    for control in controls:
        if _is_submit(control, any_button):
            text = _submit_text(control)
            if text:
                walked.submits.append(text)
            continue
        if control.tag not in _CONTROLS or control.get("disabled") is not None:
            continue
        kind = _input_type(control)
        if kind in _NOT_FIELDS or is_hidden(control):
            continue
        name = control.get("name")
        if name:
            walked.names.append(name)
        if kind in {"radio", "checkbox"}:
            groups = walked.groups[kind]
            key = name or f"_{len(groups)}"
            if key not in groups:
                groups[key] = []
                walked.order.append((kind, key))
            groups[key].append(control)
            continue
        walked.order.append(("field", str(len(walked.fields))))
        walked.counts[kind] += 1
        walked.fields.append(
            Field(
                name=name,
                label=accessible_name(control, index),
                type=kind,
                required=_required(control),
                autocomplete=clean(control.get("autocomplete")) or None,
            )
        )
    return walked


def _ordered_fields(
    walked: _Walked, index: PageIndex
) -> tuple[tuple[Field, ...], tuple[RadioGroup, ...]]:
    """Fields and groups (each group one field) in document order, and the radio groups;
    each group is counted in ``walked.counts``."""
    radio_groups = []
    grouped_fields = {str(i): f for i, f in enumerate(walked.fields)}
    ordered: list[Field] = []
    for kind, key in walked.order:
        if kind == "field":
            ordered.append(grouped_fields[key])
            continue
        members = walked.groups[kind][key]
        options = tuple(accessible_name(m, index) for m in members)
        label = group_label(members[0], index) or (options[0] if len(members) == 1 else "")
        walked.counts[kind] += 1
        ordered.append(
            Field(
                name=members[0].get("name"),
                label=label,
                type=kind,
                required=any(_required(m) for m in members),
                autocomplete=None,
            )
        )
        if kind == "radio":
            radio_groups.append(
                RadioGroup(key, label, options, tuple(m.get("value") or "" for m in members))
            )
    return tuple(ordered), tuple(radio_groups)


def _required(control: lxml.html.HtmlElement) -> bool:
    return control.get("required") is not None or control.get("aria-required") == "true"


def _form_label(form: lxml.html.HtmlElement, index: PageIndex, submit: str) -> str:
    """aria name, else a heading opening the form, else the legend of its only fieldset, else
    the nearest heading before it (within the same chrome landmark), else the submit text."""
    name = (
        accessible_name(form, index)
        if (form.get("aria-label") or form.get("aria-labelledby"))
        else ""
    )
    if name:
        return name
    inside = index.first_heading_inside(form)
    if inside is not None:
        return clean(element_text(inside), LABEL_LIMIT)
    # a form that is all one fieldset is announced by its legend ("Was this page useful?")
    fieldsets = form.findall(".//fieldset")
    if len(fieldsets) == 1 and _holds_every_control(fieldsets[0], form):
        legend = fieldsets[0].find("legend")
        if legend is not None and element_text(legend):
            return clean(element_text(legend), LABEL_LIMIT)
    heading = index.preceding_heading(form, chrome_landmark(form, index))
    if heading is not None and element_text(heading):
        return clean(element_text(heading), LABEL_LIMIT)
    return clean(submit or form.get("title") or "", LABEL_LIMIT)


def _holds_every_control(fieldset: lxml.html.HtmlElement, form: lxml.html.HtmlElement) -> bool:
    visible = [
        c
        for c in form.iter("input", "select", "textarea", "button")
        if (c.get("type") or "").lower() != "hidden"
    ]
    inside = set(fieldset.iter("input", "select", "textarea", "button"))
    return bool(visible) and all(c in inside for c in visible)


def extract_forms(parsed: ParsedPage, index: PageIndex) -> list[Candidate]:
    candidates: list[Candidate] = []
    for form in parsed.root.iter("form"):
        if _inert(form):
            continue
        controls = [c for c in form.iter("input", "select", "textarea", "button")]
        form_id = form.get("id")
        if form_id:
            controls.extend(
                c for c in index.controls_with_form_attr.get(form_id, []) if c not in controls
            )
        method = (form.get("method") or "get").strip().upper() or "GET"
        shape = build_shape(method, controls, index)
        submit = shape.submit_texts[0] if shape.submit_texts else ""
        action = (form.get("action") or "").strip()
        candidates.append(
            Candidate(
                kind=Kind.FORM,
                element=form,
                label=_form_label(form, index, submit),
                target=(absolute_url(parsed, action) or action) if action else parsed.url,
                method=method,
                shape=shape,
                submit_text=submit or None,
            )
        )
    candidates.extend(_orphan_groups(parsed, index))
    return candidates


def _orphan_groups(parsed: ParsedPage, index: PageIndex) -> list[Candidate]:
    """Controls outside any form grouped with the nearest container holding a button."""
    known_forms = {f.get("id") for f in parsed.root.iter("form") if f.get("id")}
    controls: list[lxml.html.HtmlElement] = []
    buttons: list[lxml.html.HtmlElement] = []
    for element in parsed.root.iter("input", "select", "textarea", "button"):
        if element.get("form") in known_forms or _inert(element):
            continue
        if any(a.tag == "form" for a in element.iterancestors()):
            continue
        if _is_submit(element, any_button=True):
            buttons.append(element)
        elif element.tag in _CONTROLS and _input_type(element) not in _NOT_FIELDS:
            controls.append(element)
    if not controls or not buttons:
        return []
    holds_button: set[lxml.html.HtmlElement] = set()
    for button in buttons:
        holds_button.update(button.iterancestors())
    groups: dict[lxml.html.HtmlElement, list[lxml.html.HtmlElement]] = {}
    for control in controls:
        container = next((a for a in control.iterancestors() if a in holds_button), None)
        if container is not None and container.tag not in {"body", "html"}:
            groups.setdefault(container, []).append(control)
    candidates = []
    for container, members in groups.items():
        own_buttons = [b for b in buttons if container in set(b.iterancestors())]
        shape = build_shape("", members + own_buttons, index, any_button=True)
        if not shape.fields:
            continue
        submit = shape.submit_texts[0] if shape.submit_texts else ""
        label = (
            accessible_name(container, index)
            if container.get("aria-label") or container.get("aria-labelledby")
            else ""
        )
        heading = index.first_heading_inside(container)
        if not label and heading is not None:
            label = clean(element_text(heading), LABEL_LIMIT)
        candidates.append(
            Candidate(
                kind=Kind.FORM,
                element=container,
                label=label or shape.fields[0].label or submit,
                target=parsed.url,
                method=None,  # submitted by script: the method is not visible in the HTML
                shape=shape,
                submit_text=submit or None,
            )
        )
    return candidates
