"""What extractors hand to ``extract_interactions`` before ids, headings and context are added,
and what extraction remembers per interaction for the classifier (the element and form shape)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import lxml.html

from dcaudit.engine.catalogs import DocumentType, Platform
from dcaudit.models import Field, Kind


@dataclass(frozen=True)
class RadioGroup:
    name: str
    label: str
    options: tuple[str, ...]  # option labels
    values: tuple[str, ...]


@dataclass(frozen=True)
class FormShape:
    """Structure of a form's visible controls, for the ``field_shape`` matcher."""

    method: str
    fields: tuple[Field, ...]
    type_counts: Mapping[str, int]
    radio_groups: tuple[RadioGroup, ...] = ()
    field_names: tuple[str, ...] = ()
    submit_texts: tuple[str, ...] = ()

    @property
    def visible_fields(self) -> int:
        return len(self.fields)

    def count(self, field_type: str) -> int:
        return self.type_counts.get(field_type, 0)


@dataclass
class Candidate:
    kind: Kind
    element: lxml.html.HtmlElement
    label: str
    target: str | None = None
    method: str | None = None
    shape: FormShape | None = None
    submit_text: str | None = None
    platform: Platform | None = None
    document: DocumentType | None = None
    needs_rule: bool = False  # kept only if a classification rule recognises it
    own_text: str = ""


@dataclass(frozen=True)
class SourceElement:
    """The element an interaction was extracted from in the parsed page, with what the
    extraction learnt about it (form shape, platform, document type, language, chrome)."""

    element: lxml.html.HtmlElement
    shape: FormShape | None = None
    platform: Platform | None = None
    document: DocumentType | None = None
    language: str | None = None  # nearest lang attribute of the element or its ancestors
    chrome: bool = False


@dataclass
class Sources:
    """Interaction id -> SourceElement, cached on the ParsedPage by extraction."""

    by_id: dict[str, SourceElement] = field(default_factory=dict)
