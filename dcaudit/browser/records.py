"""What goes into and comes out of the browser pass."""

from __future__ import annotations

from dataclasses import dataclass

from dcaudit.models import Finding


@dataclass(frozen=True)
class BrowserTarget:
    url: str
    # (interaction id, CSS selector) found in the raw HTML; axe findings inside the
    # element are attached to the innermost such interaction
    interactions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BrowserResult:
    url: str
    checked: bool
    error: str | None  # reason when not checked
    final_url: str | None
    findings: tuple[Finding, ...]
    rendered_html: str | None  # document.documentElement.outerHTML after load
    request_count: int | None  # resource timing entries + 1 (the document)
    transfer_bytes: int | None  # transferSize (or encodedBodySize) of document and resources
    elapsed_ms: float
    retried: bool
    rule_help: tuple[tuple[str, str], ...] = ()  # (axe/<id>, axe's help) of rules reported

    @classmethod
    def failed(cls, url: str, reason: str, *, elapsed_ms: float, retried: bool) -> BrowserResult:
        return cls(
            url=url,
            checked=False,
            error=reason,
            final_url=None,
            findings=(),
            rendered_html=None,
            request_count=None,
            transfer_bytes=None,
            elapsed_ms=elapsed_ms,
            retried=retried,
        )


@dataclass(frozen=True)
class BrowserPassReport:
    axe_version: str | None  # as reported by axe in the page
    checked: int
    failed: int
    restarts: int  # browsers restarted after a crash or hang
    workers: int
