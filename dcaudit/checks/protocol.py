"""The one shape every check family has: static accessibility, exclusion and security.

A family is a :class:`CheckFamily` object owning one kind of rule pack (``rules/<pack>/``,
``kind:`` in its pack.yaml). Every family

- **registers** its checks the same way: ``@FAMILY.check("DCA001")`` on a function
  ``(view, rule) -> Iterable[Hit]``, where ``view`` is the family's :class:`PageView` of one
  page and ``rule`` the rule's :class:`~dcaudit.checks.findings.CheckRule` (message, impact,
  options from its YAML);
- **loads** its packs the same way: :meth:`CheckFamily.load` picks the packs of its kind,
  checks that every rule has a registered function and compiles the pack's data files;
- **runs** on the same :class:`PageRecord` (parsed page, page, interactions, settings,
  response headers, what the browser measured): :meth:`CheckFamily.run` opens the family's
  view once, calls each registered check in the order registered, turns every :class:`Hit`
  into a Finding and keeps the first finding of each id. A check that raises becomes an
  ``Outcome.ERROR`` finding under its rule; the other checks still run;
- **runs its rule examples** (``rules/<pack>/tests/<ID>.html``) the same way:
  :meth:`CheckFamily.run_example` builds the example's page records (checks/examples.py),
  runs the one rule on them and says whether it fired on the marked element.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

from cssselect import SelectorError
from lxml import etree

from dcaudit.checks.examples import example_records, fires_on
from dcaudit.checks.findings import (
    CheckRule,
    InteractionLocator,
    check_rules,
    css_path,
    error_finding,
    make_finding,
    snippet_of,
)
from dcaudit.checks.records import PageRecord
from dcaudit.engine.packs import Example, Rule, RulePack, load_pack
from dcaudit.errors import RulePackError
from dcaudit.models import Finding, Interaction, Outcome, Page, Source
from dcaudit.parse.document import ParsedPage

log = logging.getLogger(__name__)

# what a malformed data file raises while compiling (patterns, selectors, wrong shapes)
MALFORMED = (
    re.error,
    TypeError,
    AttributeError,
    ValueError,
    KeyError,
    SelectorError,
    etree.XPathError,
)


@dataclass(frozen=True)
class Hit:
    """What a check found: an element (or the document root, for page-level rules), an
    interaction, or neither (the page as a whole), with evidence.

    ``owner`` names the interaction a finding belongs to when its element is inside none.
    """

    element: etree._Element | None = None
    detail: str | None = None
    outcome: Outcome | None = None
    interaction: Interaction | None = None
    owner: str | None = None


class FamilyRules(Protocol):
    """What every family's compiled pack offers: each rule's metadata, and the version."""

    @property
    def version(self) -> str: ...

    def rule(self, rule_id: str) -> CheckRule | None: ...


R = TypeVar("R", bound=FamilyRules)


class PageView(Generic[R]):
    """One page as a family's checks see it: the record, the compiled rules, and whatever
    the family computes once per page (subclasses add it)."""

    def __init__(self, record: PageRecord, rules: R) -> None:
        self.record = record
        self.rules = rules
        self.parsed: ParsedPage = record.parsed
        self.page: Page = record.page
        self.interactions: Sequence[Interaction] = record.interactions
        self.locator: InteractionLocator = record.locator

    @property
    def url(self) -> str:
        """Where the page was finally served from."""
        return self.page.final_url or self.page.url

    def selector_for(self, element: etree._Element) -> str:
        return css_path(element)


V = TypeVar("V", bound=PageView[Any])
Check = Callable[[V, CheckRule], Iterable[Hit]]


class CheckFamily(ABC, Generic[R, V]):
    """A family of checks: its registry, its pack loader, its page runner and its example
    runner. Subclasses say how to compile the pack's data (:meth:`compile`) and how to
    open one page (:meth:`open`)."""

    name: str  # the built-in pack folder, rules/<name>/
    kind: str  # the pack kind it loads (pack.yaml ``kind:``)
    source: Source  # what its findings say they come from
    start_rule: str | None = None  # an error opening a page is this rule's; None: it raises
    measure_rule: str | None = None  # an error in :meth:`measure` is this rule's
    site_rules: frozenset[str] = frozenset()  # judged over the whole site, not per page

    def __init__(self) -> None:
        self.checks: dict[str, Check[V]] = {}
        self._pack_rules: dict[str, R] = {}

    # -- registering -------------------------------------------------------------------

    def check(self, rule_id: str) -> Callable[[Check[V]], Check[V]]:
        """Register the function that evaluates ``rule_id`` (its YAML is rules/<pack>/)."""

        def register(func: Check[V]) -> Check[V]:
            self.checks[rule_id] = func
            return func

        return register

    # -- loading -----------------------------------------------------------------------

    def load(self, packs: Sequence[RulePack]) -> R:
        """Compile every pack of this family's kind once: rule metadata and data files."""
        chosen = [pack for pack in packs if pack.kind == self.kind]
        if not chosen:
            raise RulePackError(
                "rules", f"no {self.kind} rule pack loaded (rules/{self.name} is missing)"
            )
        data: dict[str, Any] = {}
        metas: dict[str, CheckRule] = {}
        for pack in chosen:
            for content in pack.data.values():
                if isinstance(content, dict):
                    data.update(content)
            active = [rule for rule in pack.rules if rule.status != "deprecated"]
            metas.update(check_rules(active, set(self.checks) | self.site_rules, pack.path))
        try:
            return self.compile(chosen, metas, data)
        except MALFORMED as exc:
            message = f"{self.name} data files are malformed: {exc}"
            raise RulePackError(chosen[0].path, message) from exc

    @abstractmethod
    def compile(
        self, packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
    ) -> R:
        """The compiled pack from its rules' metadata (in pack order) and merged data."""

    def pack_rules(self, folder: str) -> R:
        """The compiled pack in ``folder`` alone (for its examples), compiled once."""
        if folder not in self._pack_rules:
            self._pack_rules[folder] = self.load([load_pack(Path(folder))])
        return self._pack_rules[folder]

    # -- running -----------------------------------------------------------------------

    @abstractmethod
    def open(self, record: PageRecord, rules: R) -> V:
        """The family's view of one page, computed once for all its checks."""

    def measure(self, record: PageRecord, rules: R) -> Page:
        """The page with what this family measures on it (none by default)."""
        return record.page

    def run(
        self,
        record: PageRecord,
        rules: R,
        *,
        only: Collection[str] | None = None,
        strict: bool = False,
    ) -> list[Finding]:
        """Every registered check (or those in ``only``) on one page. ``record.page`` is
        updated with the family's measurements. ``strict`` lets errors raise (examples)."""
        found: dict[str, Finding] = {}
        try:
            record.page = self.measure(record, rules)
        except Exception as exc:  # a measurement that fails is its rule's error
            if strict or self.measure_rule is None:
                raise
            log.warning("%s: measuring %s failed: %s", self.name, record.page.url, exc)
            failure = error_finding(self.measure_rule, self.source, record.page, exc)
            found[failure.id] = failure
        try:
            view = self.open(record, rules)
        except Exception as exc:  # a page we cannot even index: one error, not a crash
            if strict or self.start_rule is None:
                raise
            log.warning("%s checks could not start on %s: %s", self.name, record.page.url, exc)
            return [error_finding(self.start_rule, self.source, record.page, exc)]
        for rule_id, check in self.checks.items():
            rule = rules.rule(rule_id)
            if rule is None or (only is not None and rule_id not in only):
                continue
            try:
                made = [self.finding(rule, hit, view.page, view) for hit in check(view, rule)]
            except Exception as exc:  # one broken check must not stop the others
                if strict:
                    raise
                log.warning("%s rule %s failed on %s: %s", self.name, rule_id, view.url, exc)
                made = [error_finding(rule_id, self.source, view.page, exc)]
            for finding in made:
                found.setdefault(finding.id, finding)
        return list(found.values())

    def hits(self, record: PageRecord, rules: R, rule_id: str) -> list[Hit]:
        """What one rule finds on one page, as hits (benchmarks, examples, debugging)."""
        rule = rules.rule(rule_id)
        if rule is None or rule_id not in self.checks:
            raise KeyError(rule_id)
        return list(self.checks[rule_id](self.open(record, rules), rule))

    def finding(
        self, rule: CheckRule, hit: Hit, page: Page, view: PageView[Any] | None = None
    ) -> Finding:
        """The Finding of one hit: an element hit needs the page's ``view``."""
        selector: str | None = None
        snippet: str | None = None
        owner = hit.owner
        if hit.element is not None:
            if view is None:
                raise ValueError("an element's finding needs the view of its page")
            selector, snippet = view.selector_for(hit.element), snippet_of(hit.element)
            owner = view.locator.containing(hit.element) or hit.owner
        elif hit.interaction is not None:
            selector, snippet = hit.interaction.selector, hit.interaction.label
            owner = hit.interaction.id
        return make_finding(
            rule,
            self.source,
            page,
            selector=selector,
            snippet=snippet,
            detail=hit.detail,
            interaction=owner,
            outcome=hit.outcome,
        )

    # -- rule examples -----------------------------------------------------------------

    def run_example(self, rule: Rule, example: Example, parsed: ParsedPage) -> bool:
        """Whether ``rule`` fires on one example of its tests/<ID>.html (``parsed``: that
        whole file). A page or site example fires if the rule reports anything on it; any
        other marked element, if the rule reports it or an element inside it."""
        rules = self.pack_rules(str(Path(rule.path).parent))
        records, target = example_records(example, parsed)
        return fires_on(target, self.example_findings(rule.id, records, rules))

    def example_findings(
        self, rule_id: str, records: Sequence[PageRecord], rules: R
    ) -> list[Finding]:
        """What ``rule_id`` reports on an example's pages (a check that raises, raises)."""
        return [
            finding
            for record in records
            for finding in self.run(record, rules, only={rule_id}, strict=True)
            if finding.rule == rule_id
        ]

    # -- the loaded family -------------------------------------------------------------

    def compiled(self, loaded: Iterable[LoadedFamily[Any]]) -> R:
        """This family's compiled pack among ``loaded``."""
        for item in loaded:
            if item.family is self:
                return cast(R, item.rules)
        raise LookupError(f"the {self.name} checks are not loaded")


@dataclass(frozen=True)
class LoadedFamily(Generic[R]):
    """A family with its compiled packs, ready to run on pages."""

    family: CheckFamily[R, Any]
    rules: R = field(repr=False)

    def run(self, record: PageRecord) -> list[Finding]:
        return self.family.run(record, self.rules)
