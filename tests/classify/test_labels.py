"""Accessible names, headings and context text."""

from __future__ import annotations


def test_labels_accessible_name_precedence(extracted) -> None:
    found = extracted(
        """<span id="n1">Named by id</span>
        <form method="post">
          <input name="a" aria-labelledby="n1" aria-label="ignored">
          <input name="b" aria-label="Aria name" title="ignored">
          <label for="c">Label for</label><input id="c" name="c" title="ignored">
          <label>Wrapping label <input name="d"></label>
          <input name="e" title="Title name" placeholder="ignored">
          <input name="f" placeholder="Placeholder name">
        </form>"""
    )
    assert [f.label for f in found[0].fields] == [
        "Named by id",
        "Aria name",
        "Label for",
        "Wrapping label",
        "Title name",
        "Placeholder name",
    ]


def test_labels_heading_is_the_nearest_preceding_one(extracted) -> None:
    found = extracted(
        """<h1>Bins</h1><h2>Missed bins</h2><p><a href="tel:1">Call</a></p>
        <div><h3>Nested</h3></div><p><a href="tel:2">Call again</a></p>"""
    )
    assert [i.heading for i in found] == ["Missed bins", "Nested"]


def test_labels_chrome_heading_stays_inside_its_landmark(extracted) -> None:
    found = extracted('<main><h1>Consultation</h1></main><footer><a href="tel:1">Call</a></footer>')
    assert found[0].heading is None


def test_labels_context_is_the_paragraph_or_heading_section(extracted) -> None:
    found = extracted(
        """<main><h2>Bulky waste</h2><p>To request a collection, email
        <a href="mailto:bulky@northtown.gov.uk">bulky@northtown.gov.uk</a>.</p>
        <h2>Garden waste</h2><p>Intro about garden waste that is long enough to matter.</p>
        <p><a href="tel:1">01632</a></p></main>"""
    )
    # a short paragraph grows to its heading section, never past the next heading
    assert found[0].context.startswith("Bulky waste To request a collection")
    assert "Garden" not in found[0].context
    assert "Garden waste" in found[1].context and "Bulky" not in found[1].context


def test_labels_context_is_capped_and_untrusted_text_is_cleaned(extracted) -> None:
    long_text = "word " * 400
    found = extracted(f"<p>{long_text}<a href='tel:1'>Call\x07 us</a> {long_text}</p>")
    assert len(found[0].context) <= 300
    assert "Call us" in found[0].context
    assert found[0].label == "Call us"
