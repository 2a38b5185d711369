"""The digital layer test: one class per interaction, decided from rule signals.

Rules (rules/classify-*, platforms, documents) contribute *signals* with scores; signals of
the same name combine by noisy-or (two independent weak hints make a stronger one). A signal
is *present* at or above the pack's ``threshold``. The class follows docs/method.md's test, and
conflicts are settled by this precedence, never by rule load order:

0. ``utility`` (at least as strong as ``lookup``) -> utility.
   ``subscription``, ``lookup``, ``information`` or ``reading`` when at least as strong as
   every participation signal (individual, collective, two_way_marker) -> information.
1. Documents: ``completable_document`` (at least as strong as ``information``) ->
   digital_layer, else information. Contacts: ``forwards_only`` (a webchat) -> digital_layer;
   a service action in its words (``service_action``, ``individual``, ``collective``) with no
   two-way interaction in the same heading section and no ``alternative_route`` wording
   -> digital_layer; else
   information. Contacts in site chrome (header, footer) are general routes: information.
   Forms, embeds and links with no input evidence (``accepts_input`` or any participation
   signal) -> information.
2. Special cases, strongest first: ``site_feedback`` -> consultative (tag, capped
   confidence); ``job_application`` or ``foi`` -> transactional (tagged).
   ``forwards_only`` stronger than ``service_step``, ``collective`` and ``two_way_marker``
   -> digital_layer.
3. ``two_way_marker`` present -> collaborative (step 4 of docs/method.md, which upgrades either
   object, so it is tested first). Otherwise ``collective`` vs ``individual``: the stronger
   wins (a tie goes to collective) -> consultative / transactional. Neither present:
   ``forwards_only`` stronger than ``service_step`` -> digital_layer, else transactional with
   low confidence.

``closes_loop`` is the ``closes_loop`` signal (two-way classes only). Four Co's and the IAP2
level come from the rules that decided the class, else the class defaults in classify.yaml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dcaudit.classify.features import interaction_features, page_features
from dcaudit.classify.rules import (
    ClassificationRules,
    ClassifySettings,
    Firing,
    load_classification_rules,
)
from dcaudit.extract.interactions import SITE_CHROME, interaction_sources
from dcaudit.models import (
    MODE_OF_CLASS,
    Evidence,
    FourCo,
    Interaction,
    InteractionClass,
    Kind,
    Participation,
)
from dcaudit.parse.document import ParsedPage

__all__ = [
    "ClassificationRules",
    "classify",
    "hard_rule",
    "interaction_features_of_page",
    "load_classification_rules",
]

_PARTICIPATION = ("individual", "collective", "two_way_marker")
_OBJECT_SIGNALS = frozenset({"collective", "individual"})
_TWO_WAY = frozenset(
    {InteractionClass.TRANSACTIONAL, InteractionClass.CONSULTATIVE, InteractionClass.COLLABORATIVE}
)
_IAP2_ORDER = list(Participation)
_SPECIAL = ("site_feedback", "job_application", "foi")
# the rule signals that name the Co's, level and tags of each class
_CLASS_SIGNALS: dict[InteractionClass, tuple[str, ...]] = {
    InteractionClass.UTILITY: ("utility",),
    InteractionClass.INFORMATION: ("subscription", "lookup", "information", "reading"),
    InteractionClass.DIGITAL_LAYER: ("forwards_only", "completable_document", "service_action"),
    InteractionClass.TRANSACTIONAL: ("individual", "service_step", "job_application", "foi"),
    InteractionClass.CONSULTATIVE: ("collective", "site_feedback"),
    InteractionClass.COLLABORATIVE: ("two_way_marker",),
}


@dataclass
class _Signals:
    scores: dict[str, float] = field(default_factory=dict)
    firings: list[Firing] = field(default_factory=list)

    @classmethod
    def of(cls, firings: Iterable[Firing]) -> _Signals:
        signals = cls()
        for firing in firings:
            signals.firings.append(firing)
            previous = signals.scores.get(firing.rule.signal, 0.0)
            signals.scores[firing.rule.signal] = 1 - (1 - previous) * (1 - min(firing.score, 1.0))
        return signals

    def __getitem__(self, signal: str) -> float:
        return self.scores.get(signal, 0.0)

    def best(self, *signals: str) -> float:
        return max((self[s] for s in signals), default=0.0)

    def strongest(self, signal: str) -> Firing | None:
        found = [f for f in self.firings if f.rule.signal == signal]
        return max(found, key=lambda f: f.score) if found else None


@dataclass
class _Decision:
    cls: InteractionClass
    step: str
    reason: str
    confidence: float
    deciding: tuple[str, ...] = ()  # signals whose rules supply Co's, level and tags
    tags: tuple[str, ...] = ()
    runner_up: InteractionClass | None = None
    needs_review: bool = False
    contributions: tuple[tuple[str, float, float], ...] = ()  # (signal, value, push)


def interaction_features_of_page(
    interactions: Sequence[Interaction], parsed: ParsedPage, rules: ClassificationRules
) -> list[dict[str, float]]:
    """The features of every interaction on one page (what the learned weights read)."""
    return [features for _, features in _evaluate(interactions, parsed, rules)]


def _evaluate(
    interactions: Sequence[Interaction], parsed: ParsedPage, rules: ClassificationRules
) -> list[tuple[_Signals, dict[str, float]]]:
    context = rules.page_context(parsed)
    sources = interaction_sources(parsed)
    page = page_features(context, rules.features)
    form_sections = _form_sections(interactions)
    evaluated = []
    for interaction in interactions:
        source = sources.by_id.get(interaction.id)
        signals = _Signals.of(rules.evaluate(rules.subject(interaction, source, context)))
        features = interaction_features(interaction, source, signals.scores, page, rules.features)
        in_form_section = interaction.kind != Kind.FORM and interaction.heading in form_sections
        if in_form_section:
            features["section:form"] = 1.0  # a form that takes input in the same section
        # the rule precedence's verdict is one more signal for the weights to weigh
        verdict = _decide(interaction, signals, rules.settings, in_form_section)
        features[f"precedence:{verdict.cls.value}"] = 1.0
        evaluated.append((signals, features))
    return evaluated


def _form_sections(interactions: Sequence[Interaction]) -> set[str | None]:
    """Headings of sections holding a form with visible fields outside the site chrome."""
    return {
        i.heading
        for i in interactions
        if i.kind == Kind.FORM and i.fields and SITE_CHROME not in i.tags
    }


def classify(
    interactions: Sequence[Interaction], parsed: ParsedPage, rules: ClassificationRules
) -> list[Interaction]:
    """Classify every interaction of one page (contacts last: they depend on the others)."""
    evaluated = _evaluate(interactions, parsed, rules)
    results: dict[int, Interaction] = {}
    order = sorted(range(len(interactions)), key=lambda i: interactions[i].kind == Kind.CONTACT)
    # headings of the sections that offer a two-way online route: a contact in the same
    # section is an alternative to it, not the only way in
    online_sections: set[str | None] = set()
    for position in order:
        interaction = interactions[position]
        signals, features = evaluated[position]
        decision = hard_rule(interaction, features) or _learned(
            interaction, signals, features, rules
        )
        if decision is None:
            online_route = interaction.heading in online_sections
            decision = _decide(interaction, signals, rules.settings, online_route)
        classified = _apply(interaction, decision, signals, rules.settings)
        results[position] = classified
        if (
            classified.interaction_class in _TWO_WAY
            and SITE_CHROME not in classified.tags
            and "site_feedback" not in classified.tags
        ):
            online_sections.add(classified.heading)
            if classified.kind == Kind.FORM:  # a heading inside a form opens its own section
                online_sections.add(classified.label)
    return [results[i] for i in range(len(interactions))]


def hard_rule(interaction: Interaction, features: Mapping[str, float]) -> _Decision | None:
    """Facts that decide on their own, whatever the weights say."""
    if interaction.kind == Kind.FORM:
        if (interaction.target or "").lower().startswith("mailto:"):
            return _Decision(
                InteractionClass.DIGITAL_LAYER, "hard/mailto-action",
                "the form posts to an email address: a person reads it", 0.99,
            )  # fmt: skip
        if _submit_only_step(interaction, features):
            return _Decision(
                InteractionClass.TRANSACTIONAL, "hard/service-step",
                "a POST form with only a submit, at the end of a service's journey "
                "(\"Check your answers\", \"Accept and send\"): a service step",
                0.9, ("service_step",),
            )  # fmt: skip
        if _chat_box(interaction, features):
            return _Decision(
                InteractionClass.DIGITAL_LAYER, "hard/webchat",
                "a chat message box: a person or a help text answers, no service step is taken",
                0.9, ("forwards_only",),
            )  # fmt: skip
        if "type:password" in features and len(interaction.fields) <= 3:
            return _Decision(
                InteractionClass.UTILITY, "hard/sign-in",
                "a sign-in form: a barrier before what lies behind it, not an exchange", 0.99,
                ("utility",),
            )  # fmt: skip
    if interaction.kind == Kind.CONTACT and "action:dial_in" in features:
        return _Decision(
            InteractionClass.INFORMATION, "hard/dial-in",
            "a number with a meeting's PIN: a line to join a meeting, not a route for an action",
            0.95,
        )  # fmt: skip
    if interaction.kind == Kind.CONTACT and "platform:chat" in features:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "hard/webchat",
            "a conversation with a person, not a service step", 0.9, ("forwards_only",),
        )  # fmt: skip
    return None


def _submit_only_step(interaction: Interaction, features: Mapping[str, float]) -> bool:
    """A POST form with no visible field, not a whole-page wrapper, that the page or its
    button puts at the end of a service (docs/labelling.md: a service step)."""
    if (interaction.method or "").upper() != "POST" or interaction.fields:
        return False
    # a wrapper around the page, a cookie banner or a form in the header is not the step
    if any(f in features for f in ("wrapper", "hidden:viewstate", "chrome", "signal:utility")):
        return False
    return "page:check_answers" in features or "form_submit:send_step" in features


def _chat_box(interaction: Interaction, features: Mapping[str, float]) -> bool:
    """A form that is a chat widget's message box: named or worded as a chat, one or two
    boxes to type in (docs/labelling.md: a chat box is a digital layer, automated or not)."""
    said = "element:chat" in features or "form_text:chat" in features
    return said and 0 < len(interaction.fields) <= 2 and "type:password" not in features


def _learned(
    interaction: Interaction, s: _Signals, features: dict[str, float], rules: ClassificationRules
) -> _Decision | None:
    """The fitted weights' decision, with the signals that carried it."""
    if rules.model is None:
        return None
    model = rules.model.for_kind(interaction.kind)
    if model is None:
        return None
    p = model.predict(features, rules.model.review_margin)
    t = rules.settings.threshold
    tags = tuple(x for x in _SPECIAL if s[x] >= t) if p.cls in _TWO_WAY else ()
    confidence = p.probability
    for tag in tags:
        confidence = min(confidence, rules.settings.confidence_caps.get(tag, 0.99))
    reason = f"fitted weights: {p.cls.value} {p.probability:.2f}"
    if p.runner_up is not None:
        reason += f", runner-up {p.runner_up.value} {p.runner_up_probability:.2f}"
    return _Decision(
        p.cls, f"model/{rules.model.version}", reason, confidence,
        _CLASS_SIGNALS[p.cls], tags, p.runner_up if p.needs_review else None,
        p.needs_review, tuple(c for c in p.contributions if abs(c[2]) >= 0.05)[:8],
    )  # fmt: skip


def _margin(settings: ClassifySettings, win: float, lose: float) -> float:
    """Confidence: the winning score less a share of the strongest rival's."""
    return max(0.05, min(0.99, win - settings.conflict_penalty * lose))


def _decide(
    interaction: Interaction, s: _Signals, settings: ClassifySettings, online_route: bool
) -> _Decision:
    """The rule precedence's class: docs/method.md's test, step by step."""
    one_way = _decide_one_way(s, settings)
    if one_way is not None:
        return one_way

    # step 1: does it accept input online?
    if interaction.kind == Kind.DOCUMENT:
        return _decide_document(s, settings)
    if interaction.kind == Kind.CONTACT:
        return _decide_contact(interaction, s, settings, online_route)
    t = settings.threshold
    has_input = (
        s["accepts_input"] >= t
        or s.best(*_PARTICIPATION, "service_step", "site_feedback", "job_application", "foi") >= t
    )
    if not has_input:
        return _Decision(
            InteractionClass.INFORMATION, "step1/no-input", "no evidence that it takes input",
            _margin(settings, 0.7, s["accepts_input"]),
        )  # fmt: skip
    return _decide_special(s, settings) or _decide_object(s, settings)


def _decide_one_way(s: _Signals, settings: ClassifySettings) -> _Decision | None:
    """Step 0: navigation aids, and one-way sign-ups, lookups and reading matter."""
    t = settings.threshold
    participation = s.best(*_PARTICIPATION)
    if s["utility"] >= t and s["utility"] >= s["lookup"]:
        return _Decision(
            InteractionClass.UTILITY, "step0/utility", "a navigation aid, not an exchange",
            _margin(settings, s["utility"], participation), ("utility",),
        )  # fmt: skip
    for signal in ("subscription", "lookup", "information", "reading"):
        if s[signal] >= t and s[signal] >= participation and s[signal] >= s["site_feedback"]:
            return _Decision(
                InteractionClass.INFORMATION, f"step0/{signal}", f"one-way: {signal}",
                _margin(settings, s[signal], participation), (signal,),
            )  # fmt: skip
    return None


def _decide_special(s: _Signals, settings: ClassifySettings) -> _Decision | None:
    """Step 2: special cases, then is the input a service step or only forwarded?"""
    t = settings.threshold
    special = max(("site_feedback", "job_application", "foi"), key=lambda x: s[x])
    if s[special] >= t:
        cls = InteractionClass.CONSULTATIVE
        if special != "site_feedback":
            cls = InteractionClass.TRANSACTIONAL
        cap = settings.confidence_caps.get(special, 0.99)
        return _Decision(
            cls, f"step2/{special}", f"special case: {special}",
            min(cap, _margin(settings, s[special], 0.0)), (special,), (special,),
        )  # fmt: skip
    rival = s.best("service_step", "collective", "two_way_marker")
    if s["forwards_only"] >= t and s["forwards_only"] > rival:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "step2/forwards-only",
            "input is only forwarded to a person or inbox",
            _margin(settings, s["forwards_only"], rival), ("forwards_only",),
        )  # fmt: skip
    return None


def _decide_object(s: _Signals, settings: ClassifySettings) -> _Decision:
    """Steps 4 and 3: a two-way marker, else whose object the input is about."""
    t = settings.threshold
    # step 4 first when it applies: a visible two-way marker upgrades whatever the object
    if s["two_way_marker"] >= t:
        return _Decision(
            InteractionClass.COLLABORATIVE, "step4/two-way-marker",
            "visible two-way exchange or shared power",
            _margin(settings, s["two_way_marker"], 0.0), ("two_way_marker",),
        )  # fmt: skip

    # step 3: collective or individual object
    collective, individual = s["collective"], s["individual"]
    if collective >= t and collective >= individual:
        return _Decision(
            InteractionClass.CONSULTATIVE, "step3/collective", "input on a collective object",
            _margin(settings, collective, individual), ("collective",),
        )  # fmt: skip
    if individual >= t:
        return _Decision(
            InteractionClass.TRANSACTIONAL, "step3/individual", "an individual service step",
            _margin(settings, individual, collective), ("individual", "service_step"),
        )  # fmt: skip
    if s["forwards_only"] > s["service_step"]:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "step3/default-forwards",
            "free-text input with no sign of a service step", settings.default_confidence,
            ("forwards_only",), (), InteractionClass.INFORMATION, True,
        )  # fmt: skip
    return _Decision(
        InteractionClass.TRANSACTIONAL, "step3/default-individual",
        "takes input, but no words say what for: a person should check",
        settings.default_confidence, ("service_step", "accepts_input"), (),
        InteractionClass.INFORMATION, True,
    )  # fmt: skip


def _decide_document(s: _Signals, settings: ClassifySettings) -> _Decision:
    completable, reading = s["completable_document"], s["information"]
    if completable >= settings.threshold and completable >= reading:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "step1/completable-document",
            "a document to fill in and return offline: no online input",
            _margin(settings, completable, reading), ("completable_document",),
        )  # fmt: skip
    return _Decision(
        InteractionClass.INFORMATION, "step1/no-input", "a document for reading",
        _margin(settings, 0.9, completable), ("document", "information"),
    )  # fmt: skip


def _decide_contact(
    interaction: Interaction, s: _Signals, settings: ClassifySettings, online_route: bool
) -> _Decision:
    t = settings.threshold
    if s["forwards_only"] >= t:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "step2/forwards-only",
            "a conversation with a person, not a service step",
            _margin(settings, s["forwards_only"], 0.0), ("forwards_only",),
        )  # fmt: skip
    action = s.best("service_action", "individual", "collective")
    chrome = SITE_CHROME in interaction.tags
    if action >= t and not online_route and not chrome and s["alternative_route"] < t:
        return _Decision(
            InteractionClass.DIGITAL_LAYER, "step1/contact-stands-in",
            "the only route offered for a service action is this contact channel",
            _margin(settings, action, 0.0), ("service_action", "individual", "collective"),
        )  # fmt: skip
    if chrome:
        reason = "a general contact channel in the site chrome"
    elif action >= t:
        reason = "an alternative to an online route"
    else:
        reason = "a contact channel"
    return _Decision(
        InteractionClass.INFORMATION, "step1/no-input", reason, _margin(settings, 0.8, 0.0),
        ("contact_route",),
    )  # fmt: skip


def _apply(
    interaction: Interaction, decision: _Decision, s: _Signals, settings: ClassifySettings
) -> Interaction:
    t = settings.threshold
    cls = decision.cls
    deciding = [f for f in s.firings if f.rule.signal in decision.deciding and f.score >= t]
    four_cos, participation = _cos_and_level(decision, deciding, s, settings)
    tags = list(interaction.tags)
    for tag in (*decision.tags, *(tag for f in deciding for tag in f.rule.tags)):
        if tag not in tags:
            tags.append(tag)
    if s["closed"] >= t and cls in _TWO_WAY and "closed" not in tags:
        tags.append("closed")
    return dataclasses.replace(
        interaction,
        interaction_class=cls,
        mode=MODE_OF_CLASS[cls],
        four_cos=four_cos,
        participation=participation,
        closes_loop=cls in _TWO_WAY
        and s["closes_loop"] >= t
        and "site_feedback" not in decision.tags,
        confidence=round(decision.confidence, 2),
        needs_review=decision.needs_review,
        runner_up=decision.runner_up,
        evidence=_evidence(decision, s, t),
        tags=tuple(tags),
    )


def _cos_and_level(
    decision: _Decision, deciding: Sequence[Firing], s: _Signals, settings: ClassifySettings
) -> tuple[tuple[FourCo, ...], Participation | None]:
    """The Four Co's (two-way classes only) and the IAP2 level: from the deciding rules, else
    the decision's tag defaults (Co's) and the class defaults."""
    cls = decision.cls
    defaults = settings.class_defaults.get(cls)
    four_cos: tuple[FourCo, ...] = ()
    participation: Participation | None = None
    if cls in _TWO_WAY:
        tag_default = next(
            (settings.tag_defaults[tag] for tag in decision.tags if tag in settings.tag_defaults),
            None,
        )
        if tag_default is not None:
            four_cos = tag_default.four_cos
        else:
            four_cos = _named_cos(deciding, s.firings, settings.threshold) or (
                defaults.four_cos if defaults is not None else ()
            )
    leveled = [f for f in deciding if f.rule.participation is not None]
    if leveled:
        participation = max(leveled, key=lambda f: f.score).rule.participation
    elif defaults is not None:
        participation = defaults.participation
    return four_cos, participation


def _evidence(decision: _Decision, s: _Signals, t: float) -> tuple[Evidence, ...]:
    """The step that decided, the learned signals that carried it, then every rule that fired."""
    cls = decision.cls
    return (
        Evidence(rule=decision.step, reason=decision.reason, match=_summary(s, t)),
        *(
            Evidence(
                rule=f"learned/{name}",
                reason=f"{name} = {value:.2f}, weighted towards {cls.value}"
                + (f" over {decision.runner_up.value}" if decision.runner_up else ""),
                match="",
                contribution=round(push, 3),
            )
            for name, value, push in decision.contributions
        ),
        *(
            Evidence(rule=f.rule.id, reason=f"{f.rule.signal}: {what} ({f.score:.2f})", match=text)
            for f in sorted(s.firings, key=lambda f: -f.score)
            for what, text in (f.evidence or (("matched", ""),))
        ),
    )


def _named_cos(
    deciding: Sequence[Firing], firings: Sequence[Firing], threshold: float
) -> tuple[FourCo, ...]:
    """The Co named by the strongest deciding rule that names one; failing that, by the
    strongest rule naming the object (collective or individual); failing that, by the strongest
    topic rule (``co_topic``), which may be weaker: the class is already decided."""
    named = [f for f in deciding if f.rule.four_cos]
    if not named:  # rules naming the object (a complaint is co-assessment)
        named = [
            f
            for f in firings
            if f.rule.signal in _OBJECT_SIGNALS and f.rule.four_cos and f.score >= threshold
        ]
    if not named:
        named = [f for f in firings if f.rule.signal == "co_topic" and f.score >= threshold / 2]
    if not named:
        return ()
    best = max(f.score for f in named)
    chosen = {co for f in named if f.score == best for co in f.rule.four_cos}
    return tuple(co for co in FourCo if co in chosen)


def _summary(s: _Signals, threshold: float) -> str:
    present = sorted(
        ((name, score) for name, score in s.scores.items() if score >= threshold / 2),
        key=lambda item: -item[1],
    )
    return ", ".join(f"{name} {score:.2f}" for name, score in present) or "no signals"
