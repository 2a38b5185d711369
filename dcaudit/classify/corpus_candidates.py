"""The elements a corpus label can name, found the same way for labelling and for scoring:
forms by their index in document order, documents, contacts and embeds by their address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import lxml.html

from dcaudit.parse.document import ParsedPage, visible_text

# a document type anywhere in the address (handlers hide it in the query) or a "(PDF" hint
_DOCUMENT_URL = re.compile(r"\.(pdf|docx?|odt|rtf)(\b|$)", re.IGNORECASE)
_DOCUMENT_HINT = re.compile(r"[(\[]\s*(pdf|word|docx?|odt|rtf)\b", re.IGNORECASE)
_CONTACT = ("mailto:", "tel:", "sms:", "callto:")
# embeds worth a label: survey, consultation, participation, payment and chat platforms
_EMBED_HINT = re.compile(
    r"survey|consult|engage|feedback|foresee|qualtrics|iperceptions|hotjar|usabilla|"
    r"medallia|opinionlab|typeform|formstack|jotform|forms\.office|forms\.gle|"
    r"docs\.google\.com/forms|citizenspace|bangthetable|engagementhq|commonplace|"
    r"decidim|consul|pay|chat|livechat|zendesk|granicus|govdelivery|smartsurvey|"
    r"surveymonkey|wufoo|cognitoforms|formsite|123formbuilder|seamlessdocs|civicplus",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LinkCandidate:
    element: lxml.html.HtmlElement
    href: str
    text: str


def form_elements(parsed: ParsedPage) -> list[lxml.html.HtmlElement]:
    """Every ``<form>`` as lxml parses the page: the order labels index."""
    return list(parsed.root.iter("form"))


def document_links(parsed: ParsedPage) -> list[LinkCandidate]:
    found = []
    for link in parsed.root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "#", *_CONTACT)):
            continue
        text = visible_text(link)
        if _DOCUMENT_URL.search(unquote(href)) or _DOCUMENT_HINT.search(text):
            found.append(LinkCandidate(link, href, text))
    return found


def contact_links(parsed: ParsedPage) -> list[LinkCandidate]:
    found = []
    for link in parsed.root.iter("a", "area"):
        href = (link.get("href") or "").strip()
        if href.lower().startswith(_CONTACT):
            found.append(LinkCandidate(link, href, visible_text(link)))
    return found


def embed_elements(parsed: ParsedPage) -> list[LinkCandidate]:
    found = []
    for element in parsed.root.iter("iframe", "script"):
        src = (element.get("src") or element.get("data-src") or "").strip()
        if element.tag == "iframe" and src and not src.startswith("about:"):
            found.append(LinkCandidate(element, src, ""))
        elif element.tag == "script" and _EMBED_HINT.search(src or (element.text or "")[:3000]):
            found.append(LinkCandidate(element, src or "inline-script", ""))
    return found
