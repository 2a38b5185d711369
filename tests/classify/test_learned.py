"""The learned decision: structural features, the weights file, fitting and scoring on a small
labelled corpus written by the test, and the shipped labels and weights kept in step."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from dcaudit.classify.corpus import LABELS_DIR, load_labels
from dcaudit.classify.decision import classify, interaction_features_of_page
from dcaudit.classify.evaluate import cohen_kappa, leave_one_source_out
from dcaudit.classify.features import load_feature_patterns
from dcaudit.classify.fitting import load_dataset, train
from dcaudit.classify.model import LinearModel, load_decision_model, parse_decision_model
from dcaudit.classify.rules import ClassificationRules
from dcaudit.cli import main
from dcaudit.demo.labels import labelled_site
from dcaudit.engine.packs import RulePack, load_packs
from dcaudit.errors import ConfigError, RulePackError
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import InteractionClass, Kind
from dcaudit.parse.document import parse_html

from .conftest import wrap

UTIL, INFO, CONS = (
    InteractionClass.UTILITY,
    InteractionClass.INFORMATION,
    InteractionClass.CONSULTATIVE,
)


def features_of(body: str, rules: ClassificationRules, url: str = "https://c.example/p") -> list:
    parsed = parse_html(url, wrap(body))
    found = extract_interactions(parsed, rules=rules)
    return list(zip(found, interaction_features_of_page(found, parsed, rules), strict=True))


# -- features -----------------------------------------------------------------------------


def test_features_a_search_box_reads_as_a_search_whatever_its_button(rules) -> None:
    [(_, features)] = features_of(
        """<div role="search"><form action="/search" method="get">
        <label for="q">Keywords</label><input id="q" name="q"><button>Apply</button>
        </form></div>""",
        rules,
    )
    for name in ("method:get", "field:search", "field:only_search", "role:search"):
        assert features.get(name) == 1.0, name
    assert features["action:search"] == 1.0
    assert all(0.0 <= v <= 1.0 for v in features.values())


def test_features_a_whole_page_wrapper_and_its_feedback_box(rules) -> None:
    links = "".join(f'<li><a href="/p{i}">Page {i}</a></li>' for i in range(30))
    [(_, features)] = features_of(
        f"""<form id="aspnetForm" method="post" action="./page.aspx">
        <input type="hidden" name="__VIEWSTATE" value="x"><ul>{links}</ul>
        <p>Was this page useful?</p><input type="radio" name="useful" value="yes">
        <button>Send</button></form>""",
        rules,
    )
    for name in ("wrapper", "hidden:viewstate", "form_text:feedback", "element:wrapper"):
        assert features.get(name) == 1.0, name


def test_features_documents_read_the_query_the_form_number_and_the_words(rules) -> None:
    found = features_of(
        """<p>Complete and return <a href="/DocDisplay.aspx?Doc=SF-86-FillIn.pdf">SF-86</a>.</p>
        <p><a href="/minutes-2024.pdf">Minutes of the meeting (PDF)</a></p>""",
        rules,
    )
    documents = [f for i, f in found if i.kind == Kind.DOCUMENT]
    assert len(documents) == 2
    form, minutes = documents
    assert form["doc:in_query"] == form["doc:form_number"] == form["doc_context:complete"] == 1
    assert minutes["doc_label:reading"] == 1.0
    assert "doc:in_query" not in minutes and "doc_context:complete" not in minutes


def test_features_contacts_tell_share_links_from_requests(rules) -> None:
    found = features_of(
        """<p>To request to speak at the board meeting, email
        <a href="mailto:clerk@c.example">the clerk</a>.</p>
        <p><a href="mailto:?subject=Page&body=https://c.example/p">Share by email</a></p>""",
        rules,
    )
    speak, share = (f for i, f in found if i.kind == Kind.CONTACT)
    assert speak["contact_context:speak"] == speak["contact:mailto"] == 1.0
    assert share["contact:no_address"] == share["contact_label:share"] == 1.0


def test_features_a_vague_document_link_is_read_by_its_file_name(rules) -> None:
    found = features_of(
        """<p>The complaint form is also available in:</p>
        <ul><li><a href="/uploads/complaint-form_irish.pdf">Irish (pdf)</a></li>
        <li><a href="/uploads/complaint-guide_polish.pdf">Polish (pdf)</a></li></ul>
        <p><a href="/annual-report-2024.pdf">Annual report 2024 (PDF)</a></p>""",
        rules,
    )
    form, guide, report = (f for i, f in found if i.kind == Kind.DOCUMENT)
    assert form["doc:vague_label"] == form["doc_label:form"] == 1.0  # from the file name
    assert form["doc:own_words_form"] == form["doc_list:form"] == 1.0  # the list's lead-in
    assert guide["doc_list:form"] == 1.0 and "doc:own_words_form" not in guide  # a guide
    assert "doc:vague_label" not in report and "doc_list:form" not in report
    assert "doc:own_words_form" not in report


def test_features_a_form_code_and_a_speaker_card_read_as_forms(rules) -> None:
    found = features_of(
        """<p>Ask your doctor to complete <a href="/a.pdf">DomCare3 (pdf)</a>.</p>
        <p><a href="/speaker-card.pdf">Speaker Card (PDF)</a></p>
        <p><a href="/e.pdf">Eyesight report form</a></p>""",
        rules,
    )
    code, card, report_form = (f for i, f in found if i.kind == Kind.DOCUMENT)
    assert code["doc:form_number"] == 1.0
    assert card["doc_label:form"] == card["doc:own_words_form"] == 1.0
    assert report_form["doc_label:form"] == 1.0 and "doc_label:reading" not in report_form


def test_features_contacts_read_every_mention_of_the_same_address(rules) -> None:
    found = features_of(
        """<p>Written comments may be submitted to the City Clerk at clerk@c.example.</p>
        <footer><p>City Hall, 1 Main St. <a href="mailto:clerk@c.example">clerk@c.example</a>
        </p></footer>""",
        rules,
    )
    [footer] = (f for i, f in found if i.kind == Kind.CONTACT)
    assert footer["contact_context:send_to"] == footer["contact:action_clause"] == 1.0
    assert "contact_near:send_to" not in footer  # said elsewhere on the page, not beside it


def test_features_an_address_list_is_read_with_its_lead_in(rules) -> None:
    found = features_of(
        """<p>To submit a request for an opinion, please contact:</p>
        <ul class="address"><li>Opinion Unit</li><li>300 Spring Street</li>
        <li><a href="mailto:opinions@c.example">opinions@c.example</a></li></ul>""",
        rules,
    )
    [contact] = (f for i, f in found if i.kind == Kind.CONTACT)
    assert contact["contact_context:action_then_route"] == 1.0
    assert contact["contact:action_clause"] == 1.0


def test_features_contacts_tell_an_action_from_a_general_enquiry(rules) -> None:
    found = features_of(
        """<p>Members of the public can provide a live comment by calling
        <a href="tel:+15550100">555 0100</a>.</p>
        <p>For questions, comments or concerns you can email us at
        <a href="mailto:board@c.example">board@c.example</a></p>
        <p>If you would like to be added to the notification list, please email
        <a href="mailto:list@c.example">list@c.example</a></p>""",
        rules,
    )
    action, enquiry, subscription = (f for i, f in found if i.kind == Kind.CONTACT)
    assert action["contact:action_clause"] == action["contact_context:by_route"] == 1.0
    assert enquiry["contact:generic_clause"] == 1.0 and "contact:action_clause" not in enquiry
    assert subscription["contact_context:subscribe"] == 1.0
    assert "contact:action_clause" not in subscription


def test_features_a_compound_naming_an_unknown_pattern_is_refused(tmp_path: Path) -> None:
    data = dict(default_pack_features())
    data["contact_text_compounds"] = {"x": {"where": ["context"], "any": ["no_such_words"]}}
    pack = RulePack(
        name="broken", version="1.0.0", description="", kind="classify", path=str(tmp_path),
        data={"features.yaml": data},
    )  # fmt: skip
    with pytest.raises(RulePackError, match=r"contact_text_compounds\.x.*no_such_words"):
        load_feature_patterns([pack])


def default_pack_features() -> dict[str, Any]:
    [pack] = [p for p in load_packs() if "features.yaml" in p.data]
    return dict(pack.data["features.yaml"])


def test_features_page_flow_markers_reach_every_form(rules) -> None:
    [(_, features)] = features_of(
        """<main><h1>Check your answers</h1><p>Step 4 of 4</p>
        <form method="post" action="/apply/send"><button>Accept and send</button></form></main>""",
        rules,
    )
    assert features["page:check_answers"] == features["page:flow_step"] == 1.0
    assert features["fields:none"] == features["method:post"] == 1.0


def test_features_pattern_file_errors_name_the_file_and_key(tmp_path: Path) -> None:
    pack = RulePack(
        name="broken", version="1.0.0", description="", kind="classify", path=str(tmp_path),
        data={"features.yaml": {
            "field_names": {"search": "(unclosed"}, "action": {"a": "x"}, "page": {"p": "x"},
            "element": {"e": "x"}, "form_text": {"f": "x"}, "document_text": {"d": "x"},
            "contact_text": {"c": "x"}, "wrapper_links": 25, "form_number": "x",
            "document_in_address": "x",
        }},
    )  # fmt: skip
    with pytest.raises(RulePackError, match=r"features\.yaml.*field_names\.search"):
        load_feature_patterns([pack])


# -- the weights file ---------------------------------------------------------------------


def _weights(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": "test",
        "review_margin": 0.3,
        "models": {"input": {"classes": ["utility", "consultative"], "weights": {
            "bias": [0.5, -0.5], "field:search": [2.0, -2.0], "form_text:feedback": [-0.6, 0.6],
        }}},
    }  # fmt: skip
    document.update(overrides)
    return document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"models": None}, "'models'"),
        ({"review_margin": 1.5}, "review_margin"),
        ({"models": {"nonsense": {"classes": ["utility", "information"], "weights": {}}}},
         "unknown models"),
        ({"models": {"input": {"classes": ["utility", "bogus"], "weights": {}}}}, "classes"),
        ({"models": {"input": {"classes": ["utility", "information"],
                               "weights": {"bias": [1.0]}}}}, "needs 2 weights"),
        ({"models": {"input": {"classes": ["utility", "information"],
                               "weights": {"bias": [1.0, math.nan]}}}}, "finite"),
    ],
)  # fmt: skip
def test_model_malformed_weights_are_refused_naming_the_problem(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(RulePackError, match=message):
        parse_decision_model(_weights(**change), "weights.yaml")


def test_model_probabilities_review_flag_and_contributions() -> None:
    model = parse_decision_model(_weights(), "weights.yaml").models["input"]
    search = model.predict({"bias": 1.0, "field:search": 1.0}, review_margin=0.3)
    assert search.cls == UTIL and search.probability > 0.9 and not search.needs_review
    assert math.isclose(search.probability + search.runner_up_probability, 1.0)
    assert [c[0] for c in search.contributions] == ["field:search", "bias"]
    torn = model.predict({"bias": 1.0, "form_text:feedback": 1.0}, review_margin=0.3)
    assert torn.needs_review and torn.runner_up == UTIL and torn.cls == CONS
    assert model.predict({"unknown:signal": 1.0}, 0.3).probability < 0.8  # bias alone


def test_model_shipped_weights_were_fitted_on_the_labels_in_the_repository() -> None:
    shipped = load_decision_model(load_packs())
    assert shipped is not None
    assert set(shipped.models) == {"input", "document", "contact"}
    digest = hashlib.sha256()
    for path in sorted(LABELS_DIR.glob("*.yaml")):
        digest.update(path.read_bytes())
    # labels changed since the last `dcaudit rules train`? refit and commit the weights
    assert shipped.provenance["labels_sha256"] == digest.hexdigest()
    assert shipped.provenance["real_pages"] >= 400


def test_labels_in_the_repository_follow_the_guide() -> None:
    labels = load_labels()
    assert len(labels) >= 400
    for page in labels.values():
        for label in (*page.forms.values(), *page.documents.values(), *page.contacts.values()):
            assert label.reason, page.page
            if label.cls not in (CONS, InteractionClass.TRANSACTIONAL):
                assert not label.closes_loop or label.cls == InteractionClass.COLLABORATIVE
    assert Path(LABELS_DIR.parent.parent / "docs" / "labelling.md").is_file()


# -- fitting and scoring on a corpus the test writes --------------------------------------

SEARCH = '<form action="/search"><label for="q{n}">Search</label><input id="q{n}" name="q"></form>'
NEWS = (
    '<form method="post" action="/newsletter/subscribe"><label for="e{n}">Email</label>'
    '<input id="e{n}" type="email" name="email"><button>Subscribe</button></form>'
)
SAY = (
    '<h2>Have your say on the draft plan</h2><form method="post" action="/consultation/respond">'
    '<label for="c{n}">Your comments</label><textarea id="c{n}" name="comment"></textarea>'
    "<button>Submit response</button></form>"
)
KINDS = {"utility": SEARCH, "information": NEWS, "consultative": SAY}


def write_corpus(root: Path) -> tuple[Path, Path]:
    """Three sources of three pages; every page has one form of each kind, in a rotating order."""
    corpus, labels = root / "corpus", root / "labels"
    labels.mkdir(parents=True)
    manifest = []
    order = list(KINDS)
    for s in range(3):
        pages = []
        for p in range(3):
            classes = order[p:] + order[:p]
            body = "".join(KINDS[c].format(n=i) for i, c in enumerate(classes))
            path = f"a/source{s}/page{p}.html"
            (corpus / path).parent.mkdir(parents=True, exist_ok=True)
            (corpus / path).write_text(wrap(body), encoding="utf-8")
            manifest.append({"page": path, "url": f"https://s{s}.example/p{p}", "country": "GB"})
            forms = [{"index": i, "class": c, "reason": "test"} for i, c in enumerate(classes)]
            pages.append({"page": path, "forms": forms})
        data = {"source": f"a/source{s}", "pages": pages}
        (labels / f"a__source{s}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (corpus / "manifest-a.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return corpus, labels


def test_fitting_scores_each_source_with_weights_fitted_without_it(tmp_path: Path) -> None:
    corpus, labels = write_corpus(tmp_path)
    data = load_dataset(corpus, labelled_site(), labels, fictional=tmp_path / "none")
    assert len(data.real) == 9 and data.sources == 3
    outcome = leave_one_source_out(data.real, [], margin=0.2)
    assert len(outcome.forms) == 27
    assert outcome.macro_f1() == 1.0  # a clean signal per class generalises across sources
    assert outcome.page_accuracy() == 1.0  # every page has a consultation: two-way


def test_fitting_lists_each_held_out_mistake_with_its_page_and_classes(tmp_path: Path) -> None:
    corpus, labels = write_corpus(tmp_path)
    # one newsletter box labelled as a consultation: the weights will not agree
    path = labels / "a__source1.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    form = next(f for f in data["pages"][0]["forms"] if f["class"] == "information")
    form["class"] = "consultative"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    dataset = load_dataset(corpus, labelled_site(), labels, fictional=tmp_path / "none")
    outcome = leave_one_source_out(dataset.real, [], margin=0.2)
    [mistake] = outcome.mistakes
    line = mistake.render()
    assert "form" in line and "consultative -> information" in line
    assert "a/source1/page0.html body > form:nth-of-type(" in line and "'Subscribe'" in line


def test_fitting_writes_weights_the_audit_loads_and_applies(
    tmp_path: Path, rules: ClassificationRules
) -> None:
    corpus, labels = write_corpus(tmp_path)
    out = tmp_path / "weights.yaml"
    assert "wrote weights.yaml" in train(corpus, labelled_site(), out, labels)
    model = parse_decision_model(yaml.safe_load(out.read_text(encoding="utf-8")), str(out))
    assert model.provenance["real_pages"] == 9
    fitted = ClassificationRules(**{**rules.__dict__, "model": model})
    parsed = parse_html("https://x.example/", wrap(SAY.format(n=1) + SEARCH.format(n=2)))
    say, search = classify(extract_interactions(parsed, rules=fitted), parsed, fitted)
    assert (say.interaction_class, search.interaction_class) == (CONS, UTIL)
    assert say.evidence[0].rule == f"model/{model.version}"
    assert any(e.contribution for e in say.evidence), "no signal contributions listed"


def test_fitting_cli_eval_prints_scores_and_bad_folders_exit_2(tmp_path: Path) -> None:
    corpus, labels = write_corpus(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["rules", "eval", str(corpus), "--labels", str(labels)])
    assert result.exit_code == 0, result.output
    assert "leave one source out" in result.output and "macro-F1" in result.output
    assert "Mistakes" not in result.output
    listed = runner.invoke(
        main, ["rules", "eval", str(corpus), "--labels", str(labels), "--mistakes"]
    )
    assert listed.exit_code == 0, listed.output
    assert "Mistakes on the real pages, each source held out (0):" in listed.output
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = runner.invoke(main, ["rules", "eval", str(empty), "--labels", str(labels)])
    assert failed.exit_code == 2 and "manifest" in failed.output
    assert "Traceback" not in failed.output


def test_labels_with_an_unknown_class_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        yaml.safe_dump({"pages": [{"page": "a/b.html", "forms": [{"index": 0, "class": "big"}]}]})
    )
    with pytest.raises(ConfigError, match=r"x\.yaml"):
        load_labels(tmp_path)


def test_kappa_is_one_for_agreement_and_zero_for_chance() -> None:
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert cohen_kappa([("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")]) == 0.0
    assert math.isnan(cohen_kappa([]))


def test_linear_model_is_a_plain_dot_product() -> None:
    model = LinearModel((UTIL, INFO), {"x": (1.0, -1.0)})
    assert model.logits({"x": 0.5}) == [0.5, -0.5]


def test_precedence_default_is_flagged_for_review_not_trusted(classified) -> None:
    """An off-site link whose only hint is a word in its address falls through the rule
    precedence to a default: it must say so and ask for a person (error kind 2 of issue 9)."""
    [link] = classified(
        '<p>See <a href="https://other.example/register-of-insurers/">the insurers</a>.</p>'
    )
    assert link.kind == Kind.LINK
    assert link.evidence[0].rule.startswith("step3/default")
    assert link.needs_review and link.runner_up == INFO
