"""Content kinds from media types and extensions (rules/crawl.yaml)."""

from __future__ import annotations

import pytest

from dcaudit.crawl.content import (
    ContentKind,
    content_rules_from,
    load_content_rules,
    media_type,
    url_extension,
)
from dcaudit.errors import RulePackError


@pytest.mark.parametrize(
    ("content_type", "url", "kind"),
    [
        ("text/html", "http://h/a", ContentKind.HTML),
        ("application/xhtml+xml", "http://h/a.pdf", ContentKind.HTML),
        ("application/pdf", "http://h/download?id=3", ContentKind.DOCUMENT),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "http://h/form",
            ContentKind.DOCUMENT,
        ),
        ("application/vnd.oasis.opendocument.text", "http://h/f", ContentKind.DOCUMENT),
        ("text/csv", "http://h/data", ContentKind.DOCUMENT),
        ("application/octet-stream", "http://h/forms/apply.docx", ContentKind.DOCUMENT),
        ("text/plain", "http://h/data/budget.csv", ContentKind.DOCUMENT),
        ("application/octet-stream", "http://h/files/archive.zip", ContentKind.OTHER),
        ("application/octet-stream", "http://h/files/blob", ContentKind.OTHER),
        ("image/png", "http://h/download/photo", ContentKind.OTHER),
        ("application/zip", "http://h/x", ContentKind.OTHER),
        (None, "http://h/report.rtf", ContentKind.DOCUMENT),
        (None, "http://h/logo.png", ContentKind.OTHER),
        (None, "http://h/page", ContentKind.HTML),
    ],
)
def test_content_kind_of_type_and_extension(
    content_type: str | None, url: str, kind: ContentKind
) -> None:
    assert load_content_rules().kind_of(content_type, url) is kind


def test_content_skipped_extension_only_for_binary_files() -> None:
    rules = load_content_rules()
    assert rules.skipped_extension("http://h/images/Logo.PNG?v=3") == "png"
    assert rules.skipped_extension("http://h/forms/apply.pdf") is None
    assert rules.skipped_extension("http://h/services/") is None


@pytest.mark.parametrize(
    ("url", "extension"),
    [
        ("http://h/a/b.PDF", "pdf"),
        ("http://h/a/b.tar.gz?x=1#y", "gz"),
        ("http://h/a.b/c", None),
        ("http://example.gov.uk", None),
        ("http://h/file.", None),
    ],
)
def test_url_extension_reads_last_path_segment(url: str, extension: str | None) -> None:
    assert url_extension(url) == extension


def test_media_type_drops_parameters() -> None:
    assert media_type("Text/HTML; charset=ISO-8859-1") == "text/html"
    assert media_type("") is None
    assert media_type(None) is None


def test_content_rules_reject_malformed_data() -> None:
    with pytest.raises(RulePackError, match=r"crawl\.yaml: document_types must map"):
        content_rules_from({"document_types": ["application/pdf"]})
    with pytest.raises(RulePackError, match=r"crawl\.yaml: html_types must be a list"):
        content_rules_from({"document_types": {}, "html_types": "text/html"})
