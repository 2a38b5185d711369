"""Signals an interaction carries into the learned decision: the rule signals (phrases, field
shapes and platforms from the rule packs) plus structural features of the element and its
page (method, field types and names, action address, flow markers), named "<group>:<name>".

The patterns are data (rules/classify-core/features.yaml); this module only matches them.
Every value is between 0 and 1, so a weight reads as "how much this signal moves a class".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from dcaudit.classify.subject import PageScan
from dcaudit.engine.packs import RulePack
from dcaudit.errors import RulePackError
from dcaudit.extract.candidates import SourceElement
from dcaudit.models import Interaction, Kind
from dcaudit.parse.document import visible_text

FEATURES_FILE = "features.yaml"
_PATTERN_GROUPS = (
    "field_names", "action", "page", "element", "form_text", "form_name", "form_submit",
    "document_text", "contact_text",
)  # fmt: skip
_FORM_TEXT_LIMIT = 3000
_WRAPPER_TEXT_LIMIT = 60_000
_FIELD_TYPES = (
    "password", "file", "textarea", "email", "tel", "date", "select", "radio", "checkbox",
    "number", "search",
)  # fmt: skip
_CHOICE_TYPES = frozenset({"select", "radio", "checkbox"})
_BUTTON_TYPES = frozenset({"submit", "button"})
_CHOICE_GROUPS = frozenset({"filter", "rating", "feedback", "date"})


@dataclass(frozen=True)
class Compound:
    """One signal from several word groups: on when any of ``any`` matched and none of
    ``none`` did ("the link's own words say form, not guide"). A document's compound reads
    the places ``where`` together; a contact's reads each clause on its own, since a page can
    name one address in a request and again under "for questions"."""

    name: str
    where: tuple[str, ...]
    any: frozenset[str]
    none: frozenset[str]
    unless: frozenset[str] = frozenset()  # other compounds that, on anywhere, turn this off

    def fires(self, found: Collection[str]) -> bool:
        return not self.any.isdisjoint(found) and self.none.isdisjoint(found)

    def found_in(self, features: Mapping[str, float], prefix: str) -> set[str]:
        places = {f"{prefix}_{w}" for w in self.where}
        return {key.partition(":")[2] for key in features if key.partition(":")[0] in places}


@dataclass(frozen=True)
class FeaturePatterns:
    """The compiled patterns of features.yaml."""

    groups: Mapping[str, Mapping[str, re.Pattern[str]]]
    wrapper_links: int
    version: int
    form_number: re.Pattern[str] | None = None  # case-sensitive: form numbers are capitals
    document_in_address: re.Pattern[str] | None = None
    personal_autocomplete: frozenset[str] = frozenset()
    vague_link_text: re.Pattern[str] | None = None  # "Irish (pdf)", "here": the file name speaks
    compounds: Mapping[str, tuple[Compound, ...]] = field(default_factory=dict)  # by kind

    @classmethod
    def empty(cls) -> FeaturePatterns:
        return cls({}, 25, 0)

    def matches(self, group: str, text: str) -> list[str]:
        return [n for n, pattern in self.groups.get(group, {}).items() if pattern.search(text)]


def load_feature_patterns(packs: list[RulePack]) -> FeaturePatterns:
    found = [(p, p.data[FEATURES_FILE]) for p in packs if FEATURES_FILE in p.data]
    if len(found) != 1:
        raise RulePackError(FEATURES_FILE, f"exactly one pack must provide it, found {len(found)}")
    pack, data = found[0]
    where = f"{pack.path}/{FEATURES_FILE}"
    if not isinstance(data, dict):
        raise RulePackError(where, "must be a mapping")
    groups: dict[str, dict[str, re.Pattern[str]]] = {}
    for group in _PATTERN_GROUPS:
        raw = data.get(group)
        if not isinstance(raw, dict) or not raw:
            raise RulePackError(where, f"'{group}' must map feature names to patterns")
        groups[group] = {str(name): _compile(where, group, name, p) for name, p in raw.items()}
    links = data.get("wrapper_links")
    if not isinstance(links, int) or links < 1:
        raise RulePackError(where, "'wrapper_links' must be a positive whole number")
    autocomplete = data.get("personal_autocomplete") or []
    if not isinstance(autocomplete, list) or not all(isinstance(a, str) for a in autocomplete):
        raise RulePackError(where, "'personal_autocomplete' must be a list of tokens")
    return FeaturePatterns(
        groups,
        links,
        int(data.get("version", 1)),
        form_number=_single(where, data, "form_number", 0),
        document_in_address=_single(where, data, "document_in_address", re.IGNORECASE),
        personal_autocomplete=frozenset(a.lower() for a in autocomplete),
        vague_link_text=_single(where, data, "vague_link_text", re.IGNORECASE)
        if "vague_link_text" in data
        else None,
        compounds={
            kind: _compounds(where, data, group)
            for kind, group in (("doc", "document_text"), ("contact", "contact_text"))
        },
    )


def _compounds(where: str, data: Mapping[str, Any], group: str) -> tuple[Compound, ...]:
    key = f"{group}_compounds"
    raw = data.get(key) or {}
    if not isinstance(raw, dict):
        raise RulePackError(where, f"'{key}' must map compound names to where, any and none")
    known = set(data.get(group) or {})
    found = []
    for name, spec in raw.items():
        lists: dict[str, list[str]] = {}
        for part in ("where", "any", "none", "unless"):
            value = (
                spec.get(part, None if part in ("where", "any") else [])
                if isinstance(spec, dict)
                else None
            )
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise RulePackError(
                    where, f"{key}.{name}: needs lists 'where', 'any' (and 'none', 'unless')"
                )
            lists[part] = value
        unknown = (set(lists["any"]) | set(lists["none"])) - known
        if unknown:
            raise RulePackError(where, f"{key}.{name}: no {group} patterns {sorted(unknown)}")
        words = (frozenset(lists["any"]), frozenset(lists["none"]), frozenset(lists["unless"]))
        found.append(Compound(str(name), tuple(lists["where"]), *words))
    names = {c.name for c in found}
    for compound in found:
        if not compound.unless <= names:
            raise RulePackError(
                where, f"{key}.{compound.name}: 'unless' names no compound of {sorted(names)}"
            )
    return tuple(found)


def _single(where: str, data: Mapping[str, Any], key: str, flags: int) -> re.Pattern[str]:
    pattern = data.get(key)
    if not isinstance(pattern, str):
        raise RulePackError(where, f"'{key}' must be a pattern")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RulePackError(where, f"{key}: not a regular expression: {exc}") from exc


def _compile(where: str, group: str, name: Any, pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise RulePackError(where, f"{group}.{name}: the pattern must be text")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulePackError(where, f"{group}.{name}: not a regular expression: {exc}") from exc


def page_features(context: PageScan, patterns: FeaturePatterns) -> dict[str, float]:
    """Features of the page every interaction on it shares (computed once per page)."""
    parsed = context.parsed
    if parsed is None:
        return {}
    text = f"{parsed.title or ''} {unquote(parsed.url)} {context.content_text[:6000]}"
    return {f"page:{name}": 1.0 for name in patterns.matches("page", text)}


def interaction_features(
    interaction: Interaction,
    source: SourceElement | None,
    signals: Mapping[str, float],
    page: Mapping[str, float],
    patterns: FeaturePatterns,
) -> dict[str, float]:
    """Every feature of one interaction (absent features are 0)."""
    features: dict[str, float] = {"bias": 1.0, f"kind:{interaction.kind.value}": 1.0}
    features.update((f"signal:{name}", score) for name, score in signals.items() if score > 0)
    if source is not None and source.chrome:
        features["chrome"] = 1.0
    if interaction.kind in (Kind.FORM, Kind.EMBED, Kind.LINK):
        features.update(page)
    if interaction.kind == Kind.FORM:
        features.update(_form_features(interaction, source, patterns))
    elif interaction.kind == Kind.DOCUMENT:
        features.update(_document_features(interaction, source, patterns))
    elif interaction.kind == Kind.CONTACT:
        features.update(_contact_features(interaction, source, patterns))
    if interaction.kind in (Kind.EMBED, Kind.LINK) and source is not None and source.platform:
        features[f"platform:{source.platform.category}"] = 1.0
    if interaction.kind != Kind.FORM:
        features.update(
            (f"action:{n}", 1.0) for n in patterns.matches("action", _address(interaction))
        )
    return features


def _address(interaction: Interaction) -> str:
    target = interaction.target or ""
    if target.lower().startswith(("mailto:", "tel:")):
        return target
    try:
        parts = urlsplit(target)
    except ValueError:  # an unparsable address (a broken IPv6 host) is read as written
        return unquote(target)
    return unquote(f"{parts.path}?{parts.query}" if parts.query else parts.path)


def _form_features(
    interaction: Interaction, source: SourceElement | None, patterns: FeaturePatterns
) -> dict[str, float]:
    features: dict[str, float] = {}
    method = (interaction.method or "none").lower()
    features[f"method:{method}"] = 1.0
    fields = interaction.fields
    features[f"fields:{_count_bucket(len(fields))}"] = 1.0
    types = {f.type for f in fields}
    features.update((f"type:{t}", 1.0) for t in _FIELD_TYPES if t in types)
    groups = [_name_groups(f.name, f.type, patterns) for f in fields if f.name]
    for group in set().union(*groups) if groups else ():
        features[f"field:{group}"] = 1.0
    if groups and all("search" in g for g in groups):
        features["field:only_search"] = 1.0
    if any(f.required for f in fields):
        features["required"] = 1.0
    if any((f.autocomplete or "").lower() in patterns.personal_autocomplete for f in fields):
        features["autocomplete:personal"] = 1.0
    if interaction.target and interaction.target.split("#")[0] == interaction.page.split("#")[0]:
        features["action:self"] = 1.0
    features.update((f"action:{n}", 1.0) for n in patterns.matches("action", _address(interaction)))
    # its name (aria label, the heading opening it or just before it, its legend) is read as
    # its text: it often says what a form is for ("Register for updates", "Leave a comment")
    label = patterns.matches("form_text", interaction.label or "")
    features.update((f"form_text:{n}", 1.0) for n in label)
    named = patterns.matches("form_name", interaction.label or "")
    features.update((f"form_name:{n}", 1.0) for n in named)
    submit = patterns.matches("form_submit", interaction.submit_text or "")
    features.update((f"form_submit:{n}", 1.0) for n in submit)
    element = source.element if source is not None else None
    if isinstance(element, lxml.html.HtmlElement):
        features.update(_element_features(element, patterns))
    return features


def _name_groups(name: str, field_type: str, patterns: FeaturePatterns) -> set[str]:
    """What a field's name says; a choice (select, radio, checkbox) named "s" or "q" is a
    filter or a question, not a search box, so only the choice-like groups apply to it."""
    found = set(patterns.matches("field_names", name))
    return found & _CHOICE_GROUPS if field_type in _CHOICE_TYPES else found


def _count_bucket(count: int) -> str:
    if count == 0:
        return "none"
    if count == 1:
        return "one"
    if count <= 3:
        return "few"
    return "many" if count <= 7 else "lots"


def _element_features(
    element: lxml.html.HtmlElement, patterns: FeaturePatterns
) -> dict[str, float]:
    features: dict[str, float] = {}
    own = " ".join(v for v in (element.get("id"), element.get("name"), element.get("class")) if v)
    for word in own.split():
        for name in patterns.matches("element", word):
            features[f"element:{name}"] = 1.0
    if element.get("role") == "search" or any(
        a.get("role") == "search" for a in element.iterancestors()
    ):
        features["role:search"] = 1.0
    links = sum(1 for _ in element.iter("a"))
    wrapper = links >= patterns.wrapper_links
    if wrapper:
        features["wrapper"] = 1.0
    # a wrapper's most substantive part ("How helpful is this page?") can sit anywhere in it
    text = visible_text(element)[: _WRAPPER_TEXT_LIMIT if wrapper else _FORM_TEXT_LIMIT]
    features.update((f"form_text:{n}", 1.0) for n in patterns.matches("form_text", text))
    # words that are not text: a placeholder is all some boxes say ("Type your message
    # here..."), and an input button's value is its label ("Make representation")
    hints = " ".join(
        i.get("placeholder") or i.get("value") or ""
        for i in element.iter("input", "textarea")
        if i.get("placeholder") or (i.get("type") or "").lower() in _BUTTON_TYPES
    )
    features.update((f"form_text:{n}", 1.0) for n in patterns.matches("form_text", hints))
    hidden = [i for i in element.iter("input") if (i.get("type") or "").lower() == "hidden"]
    if len(hidden) >= 5:
        features["hidden:many"] = 1.0
    if any("viewstate" in (i.get("name") or "").lower() for i in hidden):
        features["hidden:viewstate"] = 1.0
    return features


_INLINE = frozenset({"span", "strong", "em", "b", "i", "small", "font", "u"})


def link_clause(element: lxml.html.HtmlElement | None, fallback: str) -> str:
    """The words of a link's own clause: its block's text between the links before and after
    it, so that "(fill in and return)" after one link is not read as said of its neighbour in
    the next list item. Without an element, ``fallback``."""
    parent = element.getparent() if element is not None else None
    while parent is not None and parent.tag in _INLINE and parent.getparent() is not None:
        element, parent = parent, parent.getparent()
    if element is None or parent is None:
        return fallback
    if next(itertools.islice(parent.iter("a"), 1, None), None) is None:  # its only link
        return _own_text(parent)
    before: list[str] = []
    node = element.getprevious()
    while node is not None and node.tag != "a":
        before += [node.tail or "", _own_text(node)]
        node = node.getprevious()
    before.append((parent.text if node is None else node.tail) or "")
    after = [element.tail or ""]
    node = element.getnext()
    while node is not None and node.tag != "a":
        after += [_own_text(node), node.tail or ""]
        node = node.getnext()
    return " ".join([*reversed(before), _own_text(element), *after])


def _own_text(node: lxml.html.HtmlElement) -> str:
    """Text of an element; nothing for a comment or processing instruction."""
    return "".join(node.itertext()) if isinstance(node.tag, str) else ""


def _contact_features(
    interaction: Interaction, source: SourceElement | None, patterns: FeaturePatterns
) -> dict[str, float]:
    target = interaction.target or ""
    scheme = target.split(":", 1)[0].lower() if ":" in target else "address"
    features = {f"contact:{scheme}": 1.0}
    if target.lower().startswith("mailto:?"):
        features["contact:no_address"] = 1.0  # a "share by email" link
    element = source.element if source is not None else None
    element = element if isinstance(element, lxml.html.HtmlElement) else None
    label, address = _route_words(interaction.label or "", target)
    texts = [
        ("label", label),
        ("address", address),
        ("context", link_clause(element, interaction.context or "")),
        ("near", interaction.context or ""),
        ("heading", interaction.heading or ""),
    ]
    if element is not None and "contact:no_address" not in features:
        # its whole sentence, across the other routes in it ("call 555-0100 or email ..."),
        # the lead-in of its address list or block ("To submit a request, please contact:"),
        # and what another mention of the same address says, which is said of this link too
        more = [route_sentence(element), _lead_in(element), *_mentions(element, target)]
        texts += [("context", text) for text in more]
    clauses: list[tuple[str, list[str]]] = []
    for where, text in texts:
        matched = patterns.matches("contact_text", text)
        features.update((f"contact_{where}:{n}", 1.0) for n in matched)
        clauses.append((where, matched))
    compounds = patterns.compounds.get("contact", ())
    fired = {c.name for c in compounds if any(w in c.where and c.fires(m) for w, m in clauses)}
    features.update(
        (f"contact:{c.name}", 1.0) for c in compounds if c.name in fired and not c.unless & fired
    )
    return features


_NOT_WORDS = re.compile(r"[\W\d_]+")


def _route_words(label: str, target: str) -> tuple[str, str]:
    """(the link's own words with its subject line, the words of its address). A link whose
    text is only the address or number says nothing of its own: the address's name
    ("submitapetition@") is read apart, as the body's name for the mailbox."""
    rest = unquote(target.partition(":")[2])
    written, _, query = rest.partition("?")
    subject = unquote(query)
    squeezed = _WHITESPACE.sub("", label).lower()
    mailbox = written.strip().lower()
    if (mailbox and mailbox in squeezed) or not _NOT_WORDS.sub("", label):
        label = ""
    local = mailbox.partition("@")[0] if "@" in mailbox else ""
    return f"{label} {subject}".strip(), _NOT_WORDS.sub(" ", local).strip()


_SENTENCE_WINDOW = 300  # characters either side of a link read for its sentence


def route_sentence(element: lxml.html.HtmlElement) -> str:
    """The sentence a contact link sits in, across the other routes in it ("For assistance,
    contact the office at 555-0100 or office@..."): its block's text from the last sentence
    end before the link to the first one after it."""
    block = _block_of(element)
    before, after = _text_around(block, element)
    before = _WHITESPACE.sub(" ", before)[-_SENTENCE_WINDOW:]
    start = 0
    for stop in _SENTENCE_END.finditer(before):
        start = stop.end()
    after = _WHITESPACE.sub(" ", after)[:_SENTENCE_WINDOW]
    end = _SENTENCE_END.search(after)
    return f"{before[start:]}{_own_text(element)}{after[: end.end() if end else None]}"


def _block_of(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The nearest ancestor of ``element`` that is not inline: its paragraph, item or cell."""
    block = element.getparent()
    while block is not None and block.tag in _INLINE and block.getparent() is not None:
        block = block.getparent()
    return element if block is None else block


def _text_around(block: lxml.html.HtmlElement, link: lxml.html.HtmlElement) -> tuple[str, str]:
    """The text of ``block`` before ``link`` and after it (iteratively: pages nest deep)."""
    before: list[str] = []
    after: list[str] = []
    side: list[str] | None = before
    for event, node in lxml.etree.iterwalk(block, events=("start", "end")):
        if node is link:
            side = None if event == "start" else after
            if event == "end":
                after.append(node.tail or "")
        elif side is not None and event == "start":
            if isinstance(node.tag, str) and node.tag not in _NOT_PROSE:
                side.append(node.text or "")
        elif side is not None and node is not block:
            side.append(node.tail or "")
    return "".join(before), "".join(after)


def _lead_in(element: lxml.html.HtmlElement) -> str:
    """What introduces a link: the lead-in of the list it is an item of, or a paragraph
    just before its own block that ends in a colon ("If you find an error, please notify:"
    above an address block)."""
    title = _list_title(element)
    if title:
        return title
    block = _block_of(element)
    before = block.getprevious()
    while before is not None and not isinstance(before.tag, str):
        before = before.getprevious()
    text = _WHITESPACE.sub(" ", _own_text(before)).strip() if before is not None else ""
    return text[-_TITLE_LIMIT:] if text.endswith(":") else ""


_MENTION_WINDOW = 300  # characters of a sentence before an address named in running text
_SENTENCE_END = re.compile(r"[.!?](\s|$)")


def _mentions(element: lxml.html.HtmlElement, target: str) -> list[str]:
    """The clauses of every place on the page that names the same address: the other links
    to it, and sentences that write an email address out ("comments may be submitted to the
    clerk at clerk@...") even when the link itself sits in an address block. A label names
    an address once per page, so what one mention says is said of all of them."""
    scheme, _, rest = target.partition(":")
    address = unquote(rest.partition("?")[0]).strip().lstrip("/").lower()
    if not address or scheme.lower() not in ("mailto", "tel"):
        return []
    root = element.getroottree().getroot()
    found = []
    for link in root.iter("a"):
        href = unquote((link.get("href") or "").partition("?")[0]).strip().lower()
        other, _, written = href.partition(":")
        if link is not element and other == scheme.lower() and written.lstrip("/") == address:
            found.append(link_clause(link, ""))
    if scheme.lower() != "mailto" or "@" not in address:
        return found
    lower = "abcdefghijklmnopqrstuvwxyz"
    for node in root.xpath(
        "//text()[contains(translate(., $upper, $lower), $address)]",
        upper=lower.upper(), lower=lower, address=address,
    ):  # fmt: skip
        parent = node.getparent()
        if parent is not None and node.is_tail:
            parent = parent.getparent()
        if parent is None or not isinstance(parent.tag, str) or parent.tag in _NOT_PROSE:
            continue
        text = _WHITESPACE.sub(" ", _own_text(parent))
        end = text.lower().find(address)
        if end < 0:
            continue
        start = max(0, end - _MENTION_WINDOW)
        for stop in _SENTENCE_END.finditer(text, start, end):
            start = stop.end()
        found.append(text[start:end])
    return found


_NOT_PROSE = frozenset({"script", "style", "noscript", "textarea", "title"})
_WHITESPACE = re.compile(r"\s+")


def _document_features(
    interaction: Interaction, source: SourceElement | None, patterns: FeaturePatterns
) -> dict[str, float]:
    features: dict[str, float] = {}
    document = source.document if source is not None else None
    if document is not None:
        features[f"doc:{'editable' if document.editable else document.name}"] = 1.0
    target = unquote(interaction.target or "")
    try:
        parts = urlsplit(target)
    except ValueError:
        parts = urlsplit("")
    extension = patterns.document_in_address
    if extension and not extension.search(parts.path) and extension.search(parts.query):
        features["doc:in_query"] = 1.0
    if patterns.form_number and patterns.form_number.search(interaction.label or ""):
        features["doc:form_number"] = 1.0
    clause = link_clause(source.element if source else None, interaction.context or "")
    near = interaction.context or ""
    for where, text in (("label", interaction.label), ("context", clause), ("near", near)):
        matched = patterns.matches("document_text", text)
        features.update((f"doc_{where}:{n}", 1.0) for n in matched)
    name = re.sub(r"[_+%-]|20", " ", f"{parts.path.rsplit('/', 1)[-1]} {parts.query}")
    named = patterns.matches("document_text", name)
    features.update((f"doc_name:{n}", 1.0) for n in named)
    vague = patterns.vague_link_text
    if vague is not None and vague.search((interaction.label or "").strip()):
        # a link reading "Irish (pdf)" or "download" says nothing: its file name is its title
        features["doc:vague_label"] = 1.0
        features.update((f"doc_label:{n}", 1.0) for n in named)
    heading = patterns.matches("document_text", interaction.heading or "")
    features.update((f"doc_heading:{n}", 1.0) for n in heading)
    element = source.element if source is not None else None
    if isinstance(element, lxml.html.HtmlElement):
        listed = patterns.matches("document_text", _list_title(element))
        features.update((f"doc_list:{n}", 1.0) for n in listed)
    for compound in patterns.compounds.get("doc", ()):
        if compound.fires(compound.found_in(features, "doc")):
            features[f"doc:{compound.name}"] = 1.0
    # a form number is a form where its list, heading or clause says so ("Forms: DD 2870",
    # "complete OMB 83-I and return it"); alone, a code such as "SB 123" says little
    if "doc:form_number" in features and any(f in features for f in _NUMBERED_FORM):
        features["doc:numbered_form"] = 1.0
    return features


_LISTS = frozenset({"ul", "ol", "dl", "table"})
_NUMBERED_FORM = ("doc_list:form", "doc_heading:form", "doc_context:complete")
_LIST_DEPTH = 4  # a link this many levels inside a list is one of its items
_TITLE_LIMIT = 200


def _list_title(element: lxml.html.HtmlElement) -> str:
    """What introduces the list a link is an item of: the list's caption or label and the
    end of the text just before it ("Application forms:", "The form is also available in:")."""
    container = next(
        (a for a in itertools.islice(element.iterancestors(), _LIST_DEPTH) if a.tag in _LISTS),
        None,
    )
    if container is None:
        return ""
    title = [container.get("aria-label") or "", container.get("title") or ""]
    caption = container.find("caption")
    if caption is not None:
        title.append(_own_text(caption))
    before = container.getprevious()
    while before is not None and not isinstance(before.tag, str):
        before = before.getprevious()
    if before is not None and before.tag not in _LISTS:
        title.append(_own_text(before)[-_TITLE_LIMIT:])
    return " ".join(t for t in title if t)
