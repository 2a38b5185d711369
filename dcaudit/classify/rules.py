"""Classification rules: validated and compiled once per run from the classify, platforms and
documents packs, then evaluated against interactions.

A rule contributes one *signal* (see ``SIGNALS``) with a score = rule weight x matcher
strength (x a language factor for phrases of a language the page is not in). The classifier
(dcaudit.classify.decision) turns signals into a class through the digital layer test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from dcaudit.classify.features import FeaturePatterns, load_feature_patterns
from dcaudit.classify.matchers import CompileContext, Matcher, compile_match
from dcaudit.classify.model import DecisionModel, load_decision_model
from dcaudit.classify.subject import TEXT_FIELDS, PageScan, Subject
from dcaudit.engine.catalogs import (
    DocumentTypes,
    PlatformCatalog,
    load_document_types,
    load_platforms,
)
from dcaudit.engine.packs import Rule, RulePack, load_packs
from dcaudit.engine.phrases import PhraseIndex
from dcaudit.engine.text import fold, tokenize, words
from dcaudit.errors import RulePackError
from dcaudit.extract.candidates import SourceElement
from dcaudit.models import FourCo, Interaction, InteractionClass, Kind, Participation
from dcaudit.parse.document import ParsedPage

# What a rule can say about an interaction (rules/README.md documents each one).
SIGNALS = frozenset(
    {
        "utility",  # navigation aid: search, filter, cookie consent, language switch, login
        "lookup",  # a read-only lookup (find your bin day): information
        "subscription",  # newsletter or alert sign-up: information
        "information",  # one-way matter worth keeping: "how to vote", a data file, social media
        "reading",  # reading matter ("find out more"): information, but not a reason to keep a link
        "document",  # a link to a document
        "completable_document",  # a document a citizen fills in and returns offline
        "contact_route",  # a contact channel (mail, phone, chat, post)
        "service_action",  # nearby words asking for a service action (to apply, call ...)
        "postal_cta",  # an address given for sending something
        "alternative_route",  # a contact offered beside an online route ("if you cannot ...")
        "accepts_input",  # step 1: takes input online
        "service_step",  # step 2: input handled as a service step
        "forwards_only",  # step 2: input only forwarded to a person or inbox
        "collective",  # step 3: the object is collective (policy, place, budget, service)
        "individual",  # step 3: the object is the citizen's own case
        "two_way_marker",  # step 4: visible two-way exchange or shared power
        "closes_loop",  # a reference, status tracking or published response is visible
        "closed",  # the consultation or survey has closed
        "site_feedback",  # feedback about the website page itself
        "job_application",  # applying for a job with the body
        "foi",  # a freedom-of-information or subject-access request
        "co_topic",  # names the Co (design, priorities ...) without deciding the class
    }
)
RULE_PACK_KINDS = ("classify", "platforms", "documents")
_CACHE_KEY = "dcaudit.classify.page_context"


@dataclass(frozen=True)
class ClassificationRule:
    id: str
    pack: str
    title: str
    signal: str
    weight: float
    matcher: Matcher
    applies_to: frozenset[Kind]
    message: str
    four_cos: tuple[FourCo, ...] = ()
    participation: Participation | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    status: str = "stable"  # deprecated rules are compiled (their examples run) but not applied


@dataclass(frozen=True)
class Firing:
    rule: ClassificationRule
    score: float
    evidence: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LanguageProfile:
    code: str
    stopwords: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    mutations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassDefaults:
    four_cos: tuple[FourCo, ...] = ()
    participation: Participation | None = None


@dataclass(frozen=True)
class ClassifySettings:
    threshold: float
    other_language_weight: float
    field_weights: Mapping[str, float]
    default_fields: tuple[str, ...]
    link_fields: tuple[str, ...]
    keep_link_signals: frozenset[str]
    class_defaults: Mapping[InteractionClass, ClassDefaults]
    tag_defaults: Mapping[str, ClassDefaults]
    confidence_caps: Mapping[str, float]
    conflict_penalty: float
    default_confidence: float
    detect_min_hits: int


@dataclass
class ClassificationRules:
    rules: tuple[ClassificationRule, ...]
    phrases: PhraseIndex
    page_phrases: PhraseIndex  # only the phrase sets that read the (long) page text
    platforms: PlatformCatalog
    documents: DocumentTypes
    settings: ClassifySettings
    languages: Mapping[str, LanguageProfile]
    features: FeaturePatterns = field(default_factory=FeaturePatterns.empty)
    model: DecisionModel | None = None  # fitted weights; without them the precedence decides
    pack_versions: Mapping[str, str] = field(default_factory=dict)
    _by_id: dict[str, ClassificationRule] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {rule.id: rule for rule in self.rules}

    def rule(self, rule_id: str) -> ClassificationRule | None:
        return self._by_id.get(rule_id)

    # -- evaluation ---------------------------------------------------------------------

    def page_context(self, parsed: ParsedPage | None) -> PageScan:
        if parsed is None:
            return PageScan(None, self.phrases, self.page_phrases)
        cached = parsed._cache.get(_CACHE_KEY)
        if isinstance(cached, tuple) and cached[0] is self:
            context = cached[1]
            assert isinstance(context, PageScan)
            return context
        context = PageScan(parsed, self.phrases, self.page_phrases)
        languages = {primary_language(parsed.lang)} if parsed.lang else set()
        detected = self.detect_language(context.content_text)  # the words, not the menus
        if detected:
            languages.add(detected)
        context.languages = frozenset(languages)
        parsed._cache[_CACHE_KEY] = (self, context)
        return context

    def subject(
        self, interaction: Interaction, source: SourceElement | None, context: PageScan
    ) -> Subject:
        chrome = source.chrome if source is not None else "site_chrome" in interaction.tags
        languages = context.languages
        if source is not None and source.language:
            languages = languages | {primary_language(source.language)}
        field_texts = []
        for item in interaction.fields:
            field_texts.append(item.label)
        if source is not None and source.shape is not None:
            for group in source.shape.radio_groups:
                field_texts.extend(group.options)
        texts = {
            "label": interaction.label,
            "submit": interaction.submit_text or "",
            "fields": " . ".join(t for t in field_texts if t),
            "heading": interaction.heading or "",
            "context": interaction.context or "",
            "target": _url_words(interaction.target),
        }
        return Subject(interaction, source, context, languages, texts, reads_page=not chrome)

    def evaluate(self, subject: Subject) -> list[Firing]:
        """Every rule that fires on ``subject``, with its score and evidence."""
        firings = []
        kind = subject.interaction.kind
        for rule in self.rules:
            if kind not in rule.applies_to or rule.status == "deprecated":
                continue
            result = rule.matcher.evaluate(subject)
            if result is not None:
                firings.append(Firing(rule, rule.weight * result.strength, result.evidence))
        return firings

    def evaluate_rule(self, rule_id: str, subject: Subject) -> Firing | None:
        rule = self._by_id[rule_id]
        if subject.interaction.kind not in rule.applies_to:
            return None
        result = rule.matcher.evaluate(subject)
        if result is None:
            return None
        return Firing(rule, rule.weight * result.strength, result.evidence)

    def recognises_link(self, subject: Subject) -> bool:
        """Whether an off-site link (or an address) is a service or participation route.

        Only the link's own words and URL count here (``link_fields``), so a plain link in
        a paragraph about a consultation is not mistaken for the consultation itself.
        """
        keep = self.settings.keep_link_signals
        narrowed = Subject(
            subject.interaction,
            subject.source,
            subject.page,
            subject.languages,
            {k: (v if k in self.settings.link_fields else "") for k, v in subject.texts.items()},
            reads_page=False,
        )
        if subject.interaction.kind == Kind.CONTACT:  # an address: judged by its context
            narrowed = subject
            keep = frozenset({"postal_cta"})
        threshold = self.settings.threshold
        return any(f.score >= threshold and f.rule.signal in keep for f in self.evaluate(narrowed))

    def keeps_link(
        self, interaction: Interaction, source: SourceElement, parsed: ParsedPage
    ) -> bool:
        """Whether extraction keeps a link or address that needs a rule (``recognises_link``
        on its subject); this makes the rules extraction's ``LinkRules``."""
        return self.recognises_link(self.subject(interaction, source, self.page_context(parsed)))

    def detect_language(self, text: str) -> str | None:
        """The language whose common words are most frequent in ``text``, if clear."""
        if not self.languages:
            return None
        tokens = words(text[:5000])
        best, best_hits = None, 0
        for code, profile in self.languages.items():
            if not profile.stopwords:
                continue
            hits = sum(1 for t in tokens if t in profile.stopwords)
            if hits > best_hits:
                best, best_hits = code, hits
        return best if best_hits >= self.settings.detect_min_hits else None


def primary_language(tag: str) -> str:
    return tag.strip().lower().replace("_", "-").split("-")[0]


def _url_words(url: str | None) -> str:
    if not url:
        return ""
    return unquote(url).replace("+", " ")


# -- loading -----------------------------------------------------------------------------


def load_classification_rules(packs: Sequence[RulePack]) -> ClassificationRules:
    """Validate and compile every classify, platforms and documents rule (once per run)."""
    relevant = [p for p in packs if p.kind in RULE_PACK_KINDS]
    platforms = load_platforms(relevant)
    documents = load_document_types(relevant)
    settings = _load_settings(relevant)
    languages = _load_languages(relevant)
    phrases, page_phrases = PhraseIndex(), PhraseIndex()
    rules: list[ClassificationRule] = []
    for pack in relevant:
        profile = languages.get(primary_language(pack.language)) if pack.language else None
        for rule in pack.rules:
            rules.append(
                _compile_rule(
                    rule, pack, profile, settings, (phrases, page_phrases), platforms, documents
                )
            )
    return ClassificationRules(
        rules=tuple(rules),
        phrases=phrases,
        page_phrases=page_phrases,
        platforms=platforms,
        documents=documents,
        settings=settings,
        languages=languages,
        features=load_feature_patterns(relevant),
        model=load_decision_model(relevant),
        pack_versions={p.name: p.version for p in relevant},
    )


@lru_cache(maxsize=1)
def default_classification_rules() -> ClassificationRules:
    """Rules from the built-in packs only (the pipeline passes its own, with extra packs)."""
    return load_classification_rules(load_packs())


def _compile_rule(
    rule: Rule,
    pack: RulePack,
    profile: LanguageProfile | None,
    settings: ClassifySettings,
    indexes: tuple[PhraseIndex, PhraseIndex],
    platforms: PlatformCatalog,
    documents: DocumentTypes,
) -> ClassificationRule:
    raw = rule.raw

    def fail(problem: str) -> RulePackError:
        return RulePackError(rule.path, problem, rule.id)

    result = _checked_result(raw, pack, fail)
    weight = _weight(raw, fail)
    applies_to = _applies_to(raw, fail)
    four_cos, level, tags = _result_details(result, fail)
    if "match" not in raw:
        raise fail("'match' is required")
    context = CompileContext(
        phrases=indexes[0],
        page_phrases=indexes[1],
        platforms=platforms,
        documents=documents,
        field_weights=settings.field_weights,
        default_fields=settings.default_fields,
        language=pack.language,
        suffixes=profile.suffixes if profile else (),
        mutations=profile.mutations if profile else {},
        other_language_weight=settings.other_language_weight,
        path=rule.path,
        rule_id=rule.id,
    )
    return ClassificationRule(
        id=rule.id,
        pack=pack.name,
        title=rule.title,
        signal=str(result["signal"]),
        weight=weight,
        matcher=compile_match(raw["match"], context),
        applies_to=applies_to,
        message=raw["message"].strip(),
        four_cos=four_cos,
        participation=level,
        tags=tags,
        language=pack.language,
        status=rule.status,
    )


Fail = Callable[[str], RulePackError]


def _checked_result(raw: Mapping[str, Any], pack: RulePack, fail: Fail) -> Mapping[str, Any]:
    """The rule's kind, slug and message checked; its ``result`` mapping, with a known signal."""
    if raw.get("kind") != pack.kind:
        raise fail(f"'kind' must be '{pack.kind}' (the kind of pack '{pack.name}')")
    for key in ("slug", "message"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"'{key}' is required and must be non-empty text")
    result = raw.get("result")
    if not isinstance(result, dict):
        raise fail("'result' is required: a mapping with at least 'signal'")
    unknown = set(result) - {"signal", "four_cos", "participation", "tags"}
    if unknown:
        raise fail(f"'result' has unknown keys {sorted(unknown)}")
    signal = result.get("signal")
    if not isinstance(signal, str) or signal not in SIGNALS:
        raise fail(f"result.signal '{signal}' is not one of: {', '.join(sorted(SIGNALS))}")
    return result


def _weight(raw: Mapping[str, Any], fail: Fail) -> float:
    weight = raw.get("weight", 0.8)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise fail("'weight' must be a number greater than 0 and at most 1")
    return float(weight)


def _applies_to(raw: Mapping[str, Any], fail: Fail) -> frozenset[Kind]:
    applies = raw.get("applies_to", [k.value for k in Kind])
    if isinstance(applies, str):
        applies = [applies]
    try:
        return frozenset(Kind(k) for k in applies)
    except (ValueError, TypeError) as exc:
        raise fail(
            f"'applies_to' must list kinds from: {', '.join(k.value for k in Kind)}"
        ) from exc


def _result_details(
    result: Mapping[str, Any], fail: Fail
) -> tuple[tuple[FourCo, ...], Participation | None, tuple[str, ...]]:
    """The Four Co's, participation level and tags a rule's ``result`` gives."""
    try:
        four_cos = tuple(FourCo(c) for c in result.get("four_cos") or [])
    except (ValueError, TypeError) as exc:
        raise fail(f"result.four_cos must list: {', '.join(c.value for c in FourCo)}") from exc
    participation = result.get("participation")
    try:
        level = Participation(participation) if participation is not None else None
    except ValueError as exc:
        raise fail(
            f"result.participation must be one of: {', '.join(p.value for p in Participation)}"
        ) from exc
    tags = result.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise fail("result.tags must be a list of words")
    return four_cos, level, tuple(tags)


def _number(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RulePackError(where, f"'{key}' must be a number from 0 to 1")
    return float(value)


def _defaults(raw: Any, where: str) -> ClassDefaults:
    if raw is None:
        return ClassDefaults()
    if not isinstance(raw, dict):
        raise RulePackError(where, "class and tag defaults must be mappings")
    try:
        four_cos = tuple(FourCo(c) for c in raw.get("four_cos") or [])
        level = raw.get("participation")
        participation = Participation(level) if level is not None else None
    except (ValueError, TypeError) as exc:
        raise RulePackError(where, f"bad four_cos or participation: {exc}") from exc
    return ClassDefaults(four_cos, participation)


def _load_settings(packs: Iterable[RulePack]) -> ClassifySettings:
    found = [(p, p.data["classify.yaml"]) for p in packs if "classify.yaml" in p.data]
    if len(found) != 1:
        raise RulePackError(
            "classify.yaml",
            f"exactly one classify pack must provide classify.yaml, found {len(found)}",
        )
    pack, data = found[0]
    where = f"{pack.path}/classify.yaml"
    if not isinstance(data, dict):
        raise RulePackError(where, "must be a mapping")
    weights = data.get("field_weights")
    if not isinstance(weights, dict) or set(weights) - set(TEXT_FIELDS):
        raise RulePackError(
            where, f"'field_weights' must map fields ({', '.join(TEXT_FIELDS)}) to weights"
        )
    field_weights = {str(k): _number(weights, k, where) for k in weights}
    fields: dict[str, tuple[str, ...]] = {}
    for key in ("default_fields", "link_fields"):
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(v in TEXT_FIELDS for v in value):
            raise RulePackError(where, f"'{key}' must list fields from {', '.join(TEXT_FIELDS)}")
        fields[key] = tuple(value)
    keep = data.get("keep_link_signals")
    if not isinstance(keep, list) or not all(isinstance(s, str) and s in SIGNALS for s in keep):
        raise RulePackError(where, "'keep_link_signals' must list known signals")
    classes = data.get("classes") or {}
    try:
        class_defaults = {InteractionClass(k): _defaults(v, where) for k, v in classes.items()}
    except ValueError as exc:
        raise RulePackError(where, f"'classes': {exc}") from exc
    tag_defaults = {str(k): _defaults(v, where) for k, v in (data.get("tags") or {}).items()}
    confidence = data.get("confidence") or {}
    caps = confidence.get("caps") or {}
    if not isinstance(caps, dict):
        raise RulePackError(where, "'confidence.caps' must map tags to a maximum confidence")
    min_hits = data.get("detect_min_hits", 5)
    if not isinstance(min_hits, int) or min_hits < 1:
        raise RulePackError(where, "'detect_min_hits' must be a positive whole number")
    return ClassifySettings(
        threshold=_number(data, "threshold", where),
        other_language_weight=_number(data, "other_language_weight", where),
        field_weights=field_weights,
        default_fields=fields["default_fields"],
        link_fields=fields["link_fields"],
        keep_link_signals=frozenset(keep),
        class_defaults=class_defaults,
        tag_defaults=tag_defaults,
        confidence_caps={str(k): _number(caps, k, where) for k in caps},
        conflict_penalty=_number(confidence, "conflict_penalty", where, 0.5),
        default_confidence=_number(confidence, "default", where, 0.4),
        detect_min_hits=min_hits,
    )


def _load_languages(packs: Iterable[RulePack]) -> dict[str, LanguageProfile]:
    profiles: dict[str, LanguageProfile] = {}
    for pack in packs:
        if pack.kind != "classify" or not pack.language:
            continue
        code = primary_language(str(pack.language))
        data = pack.data.get("language.yaml") or {}
        where = f"{pack.path}/language.yaml"
        if not isinstance(data, dict):
            raise RulePackError(where, "must be a mapping with 'suffixes' and 'stopwords'")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("suffixes", "stopwords"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RulePackError(where, f"'{key}' must be a list of words")
            lists[key] = tuple(value)
        raw_mutations = data.get("initial_mutations") or {}
        if not isinstance(raw_mutations, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in raw_mutations.items()
        ):
            raise RulePackError(where, "'initial_mutations' must map a first letter to a list")
        mutations = {fold(k): tuple(fold(x) for x in v) for k, v in raw_mutations.items()}
        previous = profiles.get(code)
        stopwords = {t for word in lists["stopwords"] for t in tokenize(word)[0]}
        if previous is not None:
            stopwords |= previous.stopwords
            lists["suffixes"] = tuple(dict.fromkeys((*previous.suffixes, *lists["suffixes"])))
            mutations = {**previous.mutations, **mutations}
        profiles[code] = LanguageProfile(code, frozenset(stopwords), lists["suffixes"], mutations)
    return profiles
