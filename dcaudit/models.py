"""Typed records that flow through dcaudit: Page -> Interaction -> Finding -> Run.

Records are frozen dataclasses; a stage that adds information returns a new record
with ``dataclasses.replace``. ``to_dict`` gives the JSON shape of docs/method.md's contract.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class InteractionClass(enum.StrEnum):
    UTILITY = "utility"
    INFORMATION = "information"
    DIGITAL_LAYER = "digital_layer"
    TRANSACTIONAL = "transactional"
    CONSULTATIVE = "consultative"
    COLLABORATIVE = "collaborative"


class Mode(enum.StrEnum):
    NONE = "none"
    ONE_WAY = "one_way"
    TWO_WAY = "two_way"


# The mode follows from the class (docs/method.md, "Interaction classes").
MODE_OF_CLASS: dict[InteractionClass, Mode] = {
    InteractionClass.UTILITY: Mode.NONE,
    InteractionClass.INFORMATION: Mode.ONE_WAY,
    InteractionClass.DIGITAL_LAYER: Mode.ONE_WAY,
    InteractionClass.TRANSACTIONAL: Mode.TWO_WAY,
    InteractionClass.CONSULTATIVE: Mode.TWO_WAY,
    InteractionClass.COLLABORATIVE: Mode.TWO_WAY,
}


class Kind(enum.StrEnum):
    FORM = "form"
    EMBED = "embed"
    CONTACT = "contact"
    DOCUMENT = "document"
    LINK = "link"


class FourCo(enum.StrEnum):
    CO_COMMISSIONING = "co_commissioning"
    CO_DESIGN = "co_design"
    CO_DELIVERY = "co_delivery"
    CO_ASSESSMENT = "co_assessment"


class Participation(enum.StrEnum):
    """IAP2 spectrum levels."""

    INFORM = "inform"
    CONSULT = "consult"
    INVOLVE = "involve"
    COLLABORATE = "collaborate"
    EMPOWER = "empower"


class Impact(enum.StrEnum):
    CRITICAL = "critical"
    SERIOUS = "serious"
    MODERATE = "moderate"
    MINOR = "minor"


IMPACT_ORDER: dict[Impact, int] = {
    Impact.CRITICAL: 4,
    Impact.SERIOUS: 3,
    Impact.MODERATE: 2,
    Impact.MINOR: 1,
}


class Outcome(enum.StrEnum):
    VIOLATION = "violation"
    NEEDS_REVIEW = "needs_review"
    ERROR = "error"  # the check itself failed on this page


class Source(enum.StrEnum):
    AXE = "axe"
    STATIC = "static"
    EXCLUSION = "exclusion"
    SECURITY = "security"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"  # interrupted, or some stage could not run for every page
    FAILED = "failed"


class SkipReason(enum.StrEnum):
    """Why a discovered URL was not fetched (or not kept)."""

    ROBOTS = "robots"
    OUT_OF_SCOPE = "out_of_scope"
    EXCLUDED = "excluded"  # matched an exclude pattern or missed the include patterns
    MAX_DEPTH = "max_depth"
    MAX_PAGES = "max_pages"
    TRAP = "trap"  # crawler-trap guard: too many URLs for one path pattern
    NON_HTTP = "non_http"  # mailto:, tel:, javascript: ...
    CONTENT_TYPE = "content_type"  # neither HTML nor a known document type


@dataclass(frozen=True)
class FrontierEntry:
    """A URL the crawl will fetch (queued) or has fetched (done), found on ``parent``."""

    url: str
    depth: int
    parent: str | None = None


@dataclass(frozen=True)
class Skip:
    """A discovered URL the crawl did not fetch, and why."""

    url: str
    reason: SkipReason
    source: str | None = None  # the page the URL was found on
    detail: str | None = None


@dataclass(frozen=True)
class Link:
    """A link not crawled but kept for later stages: non-HTTP or out of scope."""

    page: str
    url: str
    text: str
    kind: str  # "non_http" or "out_of_scope"


@dataclass(frozen=True)
class Page:
    """One fetched URL (an HTML page, a document, or a failed fetch)."""

    url: str
    final_url: str
    status: int | None
    content_type: str | None
    bytes: int | None
    depth: int
    lang: str | None = None
    title: str | None = None
    error: str | None = None
    redirects: tuple[str, ...] = ()
    is_document: bool = False
    elapsed_ms: float | None = None
    browser_checked: bool = False
    reading_grade: float | None = None
    template: str | None = None  # DOM structure signature, for sampling and fingerprints
    risk: Risk | None = None  # weighted sum of the page's findings (dcaudit.score)
    headers: tuple[tuple[str, str], ...] = ()  # security headers only (crawl.fetcher)

    @property
    def is_html(self) -> bool:
        return (
            self.error is None
            and not self.is_document
            and self.content_type is not None
            and "html" in self.content_type
        )

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class Evidence:
    rule: str
    reason: str
    match: str
    contribution: float | None = None  # a learned signal's push towards the class


@dataclass(frozen=True)
class Field:
    name: str | None
    label: str
    type: str
    required: bool = False
    autocomplete: str | None = None


@dataclass(frozen=True)
class RiskFactor:
    factor: str
    weight: float
    detail: str


@dataclass(frozen=True)
class Risk:
    score: float
    factors: tuple[RiskFactor, ...] = ()


@dataclass(frozen=True)
class Interaction:
    """Something a citizen can do on a page; classified by dcaudit.classify.decision."""

    id: str
    page: str
    kind: Kind
    label: str
    selector: str
    target: str | None = None
    method: str | None = None
    fields: tuple[Field, ...] = ()
    submit_text: str | None = None
    heading: str | None = None
    context: str | None = None
    platform: str | None = None
    interaction_class: InteractionClass | None = None
    mode: Mode | None = None
    four_cos: tuple[FourCo, ...] = ()
    participation: Participation | None = None
    closes_loop: bool = False
    confidence: float = 0.0
    needs_review: bool = False  # the two likeliest classes were close: a person should look
    runner_up: InteractionClass | None = None
    evidence: tuple[Evidence, ...] = ()
    tags: tuple[str, ...] = ()
    finding_ids: tuple[str, ...] = ()
    risk: Risk | None = None

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self)
        data["class"] = data.pop("interaction_class")
        return data


@dataclass(frozen=True)
class Finding:
    id: str
    fingerprint: str
    rule: str
    source: Source
    outcome: Outcome
    impact: Impact | None
    page: str
    message: str
    wcag: tuple[str, ...] = ()
    selector: str | None = None
    snippet: str | None = None
    interaction: str | None = None
    help_url: str | None = None
    locator: str | None = None  # the element as dcaudit.locator names it, for identities
    line: int | None = None  # the element's line in the page's HTML source, when known

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class RunStats:
    pages_fetched: int = 0
    skipped_robots: int = 0
    out_of_scope: int = 0
    errors: int = 0
    browser_checked: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class Run:
    id: str
    started: str
    seeds: tuple[str, ...]
    settings: dict[str, Any]
    status: RunStatus = RunStatus.RUNNING
    finished: str | None = None
    stats: RunStats = field(default_factory=RunStats)
    tool: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # disclosures: trap cuts, sampling, browser pass not run ...
    risk: Risk | None = None  # the site's risk (dcaudit.score.score_site)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


_SCALARS = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(record: object) -> dict[str, Any]:
    """Dataclass -> JSON-ready dict (enums to values, tuples to lists).

    On the hot path of every page write, so field names are cached per class and plain
    values skip the conversion.
    """
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(record))  # type: ignore[arg-type]
        _FIELD_NAMES[type(record)] = names
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        out[name] = value if type(value) in _SCALARS else _to_json(value)
    return out


def _to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(value)
    return value
