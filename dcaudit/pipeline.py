"""The only module that knows every stage: crawl -> extract -> classify and check -> browser
-> score -> store -> report.

Pages stream through :func:`_PageAnalyser.__call__` as the crawler finishes them and are
written to the store at once; the browser pass (:mod:`dcaudit.stages.browser`) takes each
stored page while the crawl goes on; site-level checks, scoring and the reports then work
from the store, so memory stays flat and an interrupted run can be resumed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dcaudit import __version__, killpoint
from dcaudit.baseline import Baseline, read_baseline
from dcaudit.browser.resume import BrowserSeen
from dcaudit.checks.exclusion import (
    EXCLUSION,
    ExclusionRules,
    SiteObservations,
)
from dcaudit.checks.families import load_families
from dcaudit.checks.findings import error_finding
from dcaudit.checks.protocol import LoadedFamily
from dcaudit.checks.records import PageRecord
from dcaudit.classify.decision import classify, load_classification_rules
from dcaudit.classify.rules import ClassificationRules
from dcaudit.config import Settings
from dcaudit.crawl.crawler import CrawlProgress, PageAnalysis, crawl
from dcaudit.crawl.frontier import Scope
from dcaudit.diff import Changes, compare
from dcaudit.engine.packs import RulePack, load_packs, pack_versions
from dcaudit.errors import ConfigError, DcauditError, StoreError, UnknownRun
from dcaudit.extract.interactions import extract_interactions
from dcaudit.extract.template import template_signature
from dcaudit.gate import Condition, evaluate, needs_baseline, parse_conditions
from dcaudit.locator import locate_findings
from dcaudit.models import Finding, Interaction, Page, Risk, Run, RunStatus, Source
from dcaudit.parse.document import ParsedPage, parse_html
from dcaudit.report import write_report_data, write_reports
from dcaudit.report.changes import terminal_lines
from dcaudit.report.data import load_report_data, with_changes
from dcaudit.resume import claim, reclaim_abandoned, resume_command, resume_settings
from dcaudit.score import (
    Weights,
    load_weights,
    method_text,
    score_run,
)
from dcaudit.stages.browser import BrowserStage
from dcaudit.stages.browser_findings import BrowserRules
from dcaudit.stopping import run_until_stopped
from dcaudit.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[CrawlProgress], None]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class AuditResult:
    run: Run
    summary: dict[str, Any]
    outputs: list[Path]
    gate_failures: list[str]
    changes: Changes | None = None  # since the baseline, when one was given
    change_lines: tuple[str, ...] = ()  # the changes for the terminal: new problems first


@dataclass
class _Checks:
    """Every rule pack compiled once per run: classification, the check families (in the
    order they run on each page) and the scoring weights."""

    packs: list[RulePack]
    classification: ClassificationRules
    families: list[LoadedFamily[Any]]
    weights: Weights

    @classmethod
    def load(cls, settings: Settings) -> _Checks:
        packs = load_packs(settings.rules_paths)
        return cls(
            packs=packs,
            classification=load_classification_rules(packs),
            families=load_families(packs),
            weights=load_weights(packs),
        )

    @property
    def exclusion(self) -> ExclusionRules:
        """The exclusion pack, which the site checks and the browser stage also read."""
        return EXCLUSION.compiled(self.families)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _PageAnalyser:
    """Runs every per-page stage on one parsed page; never raises for a page's content."""

    def __init__(self, settings: Settings, checks: _Checks, scope: Scope) -> None:
        self.settings = settings
        self.checks = checks
        self.scope = scope
        self.site = SiteObservations(settings, checks.exclusion)

    def __call__(self, page: Page, parsed: ParsedPage | None) -> PageAnalysis:
        killpoint.reached("analysis")
        if parsed is None:
            self.site.observe_page(page)
            return PageAnalysis(page=page)
        findings: list[Finding] = []
        interactions: list[Interaction] = []
        try:
            raw = extract_interactions(
                parsed, in_scope=self.scope.contains, rules=self.checks.classification
            )
            interactions = classify(raw, parsed, self.checks.classification)
        except Exception as exc:  # one page's markup must never stop the run
            log.warning("interaction extraction failed on %s: %s", page.url, exc)
            findings.append(error_finding("dcaudit/extract", Source.STATIC, page, exc))
        page = replace(
            page, lang=parsed.lang, title=parsed.title, template=template_signature(parsed)
        )
        record = PageRecord(parsed, page, interactions, self.settings, dict(page.headers))
        for loaded in self.checks.families:
            findings.extend(self._guarded(loaded, record))
        self.site.observe(parsed, record.page, interactions)
        findings = locate_findings(findings, parsed)
        return PageAnalysis(page=record.page, interactions=interactions, findings=findings)

    @staticmethod
    def _guarded(loaded: LoadedFamily[Any], record: PageRecord) -> list[Finding]:
        """One family's findings on the page; a family that fails as a whole is recorded as
        an error finding and the run goes on."""
        try:
            return loaded.run(record)
        except Exception as exc:  # recorded as an error finding, the run goes on
            source = loaded.family.source
            log.warning("%s checks failed on %s: %s", source.value, record.page.url, exc)
            return [error_finding(f"dcaudit/{source.value}", source, record.page, exc)]


def run_audit(
    settings: Settings,
    seeds: Sequence[str],
    *,
    resume_run_id: str | None = None,
    given: Mapping[str, tuple[Any, str]] | None = None,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> AuditResult:
    """Audit ``seeds``, or resume a stored run with its stored settings (``given``: the
    settings given now, as :func:`dcaudit.config.settings_layers` returns them), and write
    the reports."""
    say = notify or (lambda message: log.info("%s", message))
    if resume_run_id:
        return _resume(settings, resume_run_id, given or {}, progress, say)
    gate = parse_conditions(settings.fail_on)  # a bad condition fails before any crawling
    _baseline(settings, gate)  # so does a baseline that cannot be read
    checks = _Checks.load(settings)
    with Store(settings.store_path) as store:
        run = Run(
            id=new_run_id(datetime.now(UTC)),
            started=_now(),
            seeds=tuple(seeds),
            settings=settings.to_dict(),
            tool=_tool_info(checks.packs, axe_version=None),
        )
        store.create_run(run)
        claim(store, run)
        reclaim_abandoned(store)
        return _audit(_Job(store, settings, checks, gate, progress, say), run)


def _resume(
    settings: Settings,
    run_id: str,
    given: Mapping[str, tuple[Any, str]],
    progress: Progress | None,
    say: Notify,
) -> AuditResult:
    """Carry on with a stored run, under the settings it began with."""
    with Store(settings.store_path, create=False) as store:
        reclaim_abandoned(store)
        run = store.get_run(run_id)
        resumed = resume_settings(run.settings, given)
        settings = resumed.settings
        gate = parse_conditions(settings.fail_on)
        checks = _Checks.load(settings)
        claim(store, run)
        for item in resumed.set_aside:
            say(f"note: the run keeps its own setting: {item} not applied")
        # the earlier interruption is over: its note would only mislead
        kept = (n for n in run.notes if not n.startswith("interrupted"))
        notes = tuple(dict.fromkeys((*kept, *resumed.notes)))
        run = replace(
            run,
            status=RunStatus.RUNNING,
            finished=None,
            notes=notes,
            settings=settings.to_dict(),
        )
        store.save_run(run)
        say(f"resuming run {run.id} ({store.page_count(run.id)} pages already done)")
        job = _Job(store, settings, checks, gate, progress, say)
        return _audit(job, run, resuming=True)


@dataclass(frozen=True)
class _Job:
    """What every stage of one run works with."""

    store: Store
    settings: Settings
    checks: _Checks
    gate: Sequence[Condition]
    progress: Progress | None
    say: Notify


def _audit(job: _Job, run: Run, *, resuming: bool = False) -> AuditResult:
    """Every stage of a created or reopened run; an interruption anywhere leaves the run
    stored as interrupted and resumable."""
    try:
        return _stages(job, run, resuming)
    except KeyboardInterrupt:
        # between the stages (site checks, reports): what is stored stays, marked
        _keep_resumable(job, run)
        raise
    except StoreError as exc:
        # the store cannot be written (a full disk): what it holds stays, to resume with room;
        # marking it may fail as well, and then the next start marks it (its process gone)
        with contextlib.suppress(StoreError):
            _keep_resumable(job, run)
        command = resume_command(run.id, job.settings)
        raise StoreError(f"{exc}; the run is kept: once there is room, {command}") from exc


def _keep_resumable(job: _Job, run: Run) -> None:
    current = job.store.get_run(run.id)
    if current.status is RunStatus.RUNNING:
        note = f"interrupted: resume with {resume_command(run.id, job.settings)}"
        notes = (*current.notes, note)
        job.store.save_run(replace(current, status=RunStatus.PARTIAL, finished=_now(), notes=notes))


def _stages(job: _Job, run: Run, resuming: bool) -> AuditResult:
    store, settings, checks = job.store, job.settings, job.checks
    scope = Scope.from_settings(settings, run.seeds)
    analyser = _PageAnalyser(settings, checks, scope)
    if resuming:
        _replay_site_observations(store, run.id, analyser)
    seen = BrowserSeen.from_tool(run.tool)
    rules = BrowserRules(checks.classification, checks.exclusion)
    # the browsers work while the crawl runs, and close while the last stages run
    with BrowserStage(settings, store, run.id, rules, job.say, seen) as browser:
        return _crawl_and_judge(job, run, analyser, browser, seen)


def _crawl_and_judge(
    job: _Job, run: Run, analyser: _PageAnalyser, browser: BrowserStage, seen: BrowserSeen
) -> AuditResult:
    store, settings, checks, gate, say = job.store, job.settings, job.checks, job.gate, job.say
    progress = browser.watch(job.progress)
    try:
        report, stopped = run_until_stopped(
            browser.alongside(
                crawl(settings, store, run.id, run.seeds, analyser, progress=progress), run.seeds
            )
        )
    except KeyboardInterrupt:
        # what the pages checked so far told us stays with the run for its resume
        return _interrupted(store, _seen_by(run, checks, seen), settings, gate, say, browser.stage)
    except StoreError:
        raise  # not a failed run: it is kept, resumable (see _audit)
    except DcauditError:
        failed = replace(_seen_by(run, checks, seen), status=RunStatus.FAILED, finished=_now())
        store.save_run(failed)
        raise
    notes = tuple(dict.fromkeys((*run.notes, *report.notes)))  # a resumed crawl repeats some
    run = replace(run, stats=report.stats, notes=notes)
    if stopped is not None:
        return _interrupted(store, _seen_by(run, checks, seen), settings, gate, say, stopped)
    axe_version, browser_notes, browser_checked, axe_rules = browser.outcome()
    site_risk = _judge_site(store, run.id, analyser, checks)
    status = RunStatus.COMPLETE
    if any(note.startswith("browser pass") for note in browser_notes):
        status = RunStatus.PARTIAL
    run = replace(
        run,
        status=status,
        finished=_now(),
        stats=dataclasses.replace(report.stats, browser_checked=browser_checked),
        notes=(*run.notes, *browser_notes, *analyser.site.notes()),
        tool=_tool_info(checks.packs, axe_version, checks.weights, axe_rules),
        risk=site_risk,
    )
    store.save_run(run)
    return _finish(store, run, settings, gate, say)


def _seen_by(run: Run, checks: _Checks, seen: BrowserSeen) -> Run:
    """The run with what the browser has told so far (axe's version and rule help)."""
    return replace(run, tool=_tool_info(checks.packs, seen.axe_version, axe_rules=seen.rule_help))


def _interrupted(
    store: Store, run: Run, settings: Settings, gate: Sequence[Condition], say: Notify, stage: str
) -> AuditResult:
    """Keep what was done, mark the run partial and still write the reports."""
    note = f"interrupted during the {stage}: resume with {resume_command(run.id, settings)}"
    run = replace(run, status=RunStatus.PARTIAL, finished=_now(), notes=(*run.notes, note))
    store.save_run(run)
    say(note)
    return _finish(store, run, settings, gate, say)


def _replay_site_observations(store: Store, run_id: str, analyser: _PageAnalyser) -> None:
    """On resume, feed the pages finished before the interruption to the site-level checks
    (parsing their stored HTML again: the one place a page is parsed twice)."""
    for page in store.pages(run_id):
        body = store.page_body(run_id, page.url) if page.is_html else None
        if body is None:
            analyser.site.observe_page(page)
            continue
        parsed = parse_html(page.final_url, body)
        analyser.site.observe(parsed, page, list(store.interactions(run_id, page.url)))


def _finish(
    store: Store, run: Run, settings: Settings, gate: Sequence[Condition], say: Notify
) -> AuditResult:
    data = load_report_data(store, run.id)
    baseline = _baseline(settings, gate)
    changes = None
    if baseline is not None:
        # a comparison with a baseline still holds the run's records in memory
        records = (list(data.interactions), list(data.findings))
        changes = compare(baseline, data.run, data.pages, *records)
        data = with_changes(data, changes)
    failures = evaluate(gate, data.summary, changes) if gate else []
    outputs = write_report_data(
        data,
        settings.formats,
        Path(settings.out_dir),
        junit_impact=settings.junit_impact,
        gate_failures=failures,
    )
    return AuditResult(
        run=run,
        summary=data.summary,
        outputs=outputs,
        gate_failures=failures,
        changes=changes,
        change_lines=tuple(terminal_lines(changes, data.rules)) if changes else (),
    )


def _baseline(settings: Settings, gate: Sequence[Condition]) -> Baseline | None:
    """The baseline file given (``--baseline``); a condition on the difference without
    one is a ConfigError."""
    if settings.baseline:
        return read_baseline(Path(settings.baseline))
    wanted = needs_baseline(gate)
    if wanted:
        raise ConfigError(
            f"fail-on condition {wanted[0]!r} compares with a baseline: give --baseline FILE "
            "(dcaudit baseline save writes one)"
        )
    return None


def _tool_info(
    packs: Sequence[RulePack],
    axe_version: str | None,
    weights: Weights | None = None,
    axe_rules: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "name": "dcaudit",
        "version": __version__,
        "axe_core": axe_version,
        "rule_packs": pack_versions(packs),
    }
    if weights is not None:
        info["scoring_method"] = method_text(weights)
    if axe_rules:  # axe's one-line help per rule: how reports describe axe rules
        info["axe_rules"] = dict(sorted(axe_rules.items()))
    return info


def _judge_site(store: Store, run_id: str, analyser: _PageAnalyser, checks: _Checks) -> Risk:
    """Store the findings that need the whole site seen (site-level ones, and DCX001 on each
    page: an assisted route may be on the contact page), then score everything."""
    site_findings = analyser.site.site_findings()
    store.put_findings(run_id, [*analyser.site.route_findings(), *site_findings])
    return _score(store, run_id, checks, site_findings)


def _score(store: Store, run_id: str, checks: _Checks, site_findings: Sequence[Finding]) -> Risk:
    """Risk per interaction, page and site, stored with the factors that made each score."""
    return score_run(store, run_id, checks.weights, site_findings)


def rerender(store_path: Path, run_id: str, formats: Sequence[str], out_dir: Path) -> list[Path]:
    """Write reports for a stored run again (``dcaudit report``)."""
    with Store(store_path) as store:
        if run_id == "latest":
            runs = store.list_runs()
            if not runs:
                raise UnknownRun(f"no runs in {store_path} yet: dcaudit audit URL stores one")
            run_id = runs[-1].id
        store.get_run(run_id)
        return write_reports(store, run_id, formats, out_dir)


__all__ = ["AuditResult", "rerender", "run_audit"]
