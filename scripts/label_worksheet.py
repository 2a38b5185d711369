"""Write labelling worksheets for a corpus of saved pages (a manifest-*.yaml folder).

    .venv/bin/python scripts/label_worksheet.py CORPUS OUT_DIR [--sources a/x,b/y]

For every page: its address, title, headings and flow markers, then every ``<form>`` in
lxml's document order (the index the labels use), every link that may be a document, every
mailto:/tel: link and every iframe or script of a known or likely platform, each with the
text around it. A labeller reads the worksheet beside docs/labelling.md and writes
labels/real/<source>.yaml. Pages are never copied: the worksheet quotes a few words.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import lxml.html

from dcaudit.classify.corpus import CorpusPage, load_corpus, page_url
from dcaudit.classify.corpus_candidates import (
    LinkCandidate,
    contact_links,
    document_links,
    embed_elements,
    form_elements,
)
from dcaudit.parse.document import ParsedPage, parse_html, visible_text

_SPACE = re.compile(r"\s+")
# on pages with many documents, only those that may be forms are shown one by one
_FORMISH = re.compile(
    r"form|applica|apply|request|claim|regist|return|complete|fill|petition|nominat|"
    r"submi|permit|licen[cs]|consent|declar|\b[A-Z]{1,4}[- ]?\d{2,5}[A-Z]?\b",
    re.IGNORECASE,
)


def _short(text: str | None, limit: int = 160) -> str:
    text = _SPACE.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _around(element: lxml.html.HtmlElement, limit: int = 200) -> str:
    """Visible text of the nearest ancestor that says more than the element itself."""
    own = visible_text(element)
    node = element.getparent()
    while node is not None:
        text = visible_text(node)
        if len(text) > len(own) + 40:
            return _short(text, limit)
        node = node.getparent()
    return _short(own, limit)


def _doc_words(link: LinkCandidate) -> str:
    return f"{link.href} {link.text} {_around(link.element, 120)}"


def _field_line(control: lxml.html.HtmlElement) -> str:
    kind = control.tag if control.tag != "input" else (control.get("type") or "text").lower()
    name = control.get("name") or control.get("id") or ""
    label = control.get("aria-label") or control.get("placeholder") or control.get("title") or ""
    style = (control.get("style") or "").replace(" ", "").lower()
    hidden = " HIDDEN" if "display:none" in style or control.get("hidden") is not None else ""
    return f"{name}({kind}{hidden}{', ' + _short(label, 40) if label else ''})"


def _form_block(index: int, form: lxml.html.HtmlElement) -> list[str]:
    controls = form.xpath(".//input|.//select|.//textarea|.//button")
    fields = [
        c
        for c in controls
        if c.tag != "button"
        and (c.get("type") or "text").lower()
        not in {"hidden", "submit", "image", "reset", "button"}
    ]
    hidden = sum(1 for c in controls if (c.get("type") or "").lower() == "hidden")
    submits = [
        _short(c.get("value") or visible_text(c) or c.get("alt") or c.get("aria-label"), 40)
        for c in controls
        if c.tag == "button" or (c.get("type") or "").lower() in {"submit", "image", "button"}
    ]
    legends = [_short(visible_text(x), 60) for x in form.iter("legend", "h1", "h2", "h3", "h4")]
    lines = [
        f"-- FORM {index}  method={(form.get('method') or 'get').upper()} "
        f"action={_short(form.get('action'), 100)!r} id={form.get('id')!r} "
        f"class={_short(form.get('class'), 50)!r} role={form.get('role')!r}",
        f"   fields ({len(fields)} visible, {hidden} hidden): "
        + _short(", ".join(_field_line(c) for c in fields[:25]), 700),
        f"   submits: {submits[:6]}",
    ]
    if legends:
        lines.append(f"   legends/headings inside: {legends[:6]}")
    lines.append(f"   text: {_short(visible_text(form), 400)}")
    heading = _preceding_heading(form)
    if heading:
        lines.append(f"   heading before: {heading}")
    return lines


def _preceding_heading(element: lxml.html.HtmlElement) -> str:
    found = element.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
    return _short(visible_text(found[0]), 100) if found else ""


def _page_lines(page: CorpusPage, parsed: ParsedPage) -> list[str]:
    root = parsed.root
    h1 = [_short(visible_text(h), 80) for h in root.iter("h1")][:3]
    h2 = [_short(visible_text(h), 60) for h in root.iter("h2")][:8]
    crumbs = root.xpath(
        "//*[contains(translate(@class,'BREADCRUMB','breadcrumb'),'breadcrumb')"
        " or contains(translate(@aria-label,'BREADCRUMB','breadcrumb'),'breadcrumb')][1]"
    )
    lines = [
        "",
        f"=== PAGE {page.page}",
        f"source={page.source} country={page.country} lang={page.language} body={page.body!r}",
        f"url: {page.url}",
        f"title: {_short(parsed.title, 150)}",
        f"h1: {h1}  h2: {h2}",
    ]
    if crumbs:
        lines.append(f"breadcrumb: {_short(visible_text(crumbs[0]), 150)}")
    for index, form in enumerate(form_elements(parsed)):
        lines.extend(_form_block(index, form))
    documents = document_links(parsed)
    shown = [d for d in documents if len(documents) <= 25 or _FORMISH.search(_doc_words(d))]
    for link in shown:
        lines.append(
            f"-- DOC href={_short(link.href, 140)!r} text={_short(link.text, 80)!r}"
            f"  around: {_around(link.element, 160)}"
        )
    if len(shown) < len(documents):
        others = [_short(d.text, 30) for d in documents if d not in shown]
        lines.append(
            f"-- ({len(others)} more document links with no form words, e.g. {others[:6]})"
        )
    seen: dict[str, int] = {}
    for link in contact_links(parsed):
        key = link.href.strip().lower()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            continue
        if len(seen) > 40:
            continue
        lines.append(
            f"-- CONTACT href={_short(link.href, 80)!r} text={_short(link.text, 60)!r}"
            f"  around: {_around(link.element, 220)}"
        )
    if len(seen) > 40:
        lines.append(f"-- ({len(seen) - 40} more distinct contact links, not shown)")
    for embed in embed_elements(parsed):
        lines.append(f"-- EMBED {embed.element.tag} src={_short(embed.href, 140)!r}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sources", default="", help="comma-separated sources (default: all)")
    args = parser.parse_args()
    wanted = {s for s in args.sources.split(",") if s}
    args.out.mkdir(parents=True, exist_ok=True)
    by_source: dict[str, list[str]] = {}
    for page in load_corpus(args.corpus):
        if wanted and page.source not in wanted:
            continue
        parsed = parse_html(page_url(page), page.html())
        by_source.setdefault(page.source, []).extend(_page_lines(page, parsed))
    for source, lines in by_source.items():
        name = source.replace("/", "__") + ".txt"
        (args.out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(by_source)} worksheets in {args.out}")


if __name__ == "__main__":
    main()
