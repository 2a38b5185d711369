"""Broken markup and impossible URLs never stop extraction or classification."""

from __future__ import annotations

from dcaudit.models import Kind

NASTY = """
<a href="http://[::1">bad address</a>
<a href="http://user:pass@host:99999/apply">Apply for a permit</a>
<iframe src="http://[bad/"></iframe><script src="//"></script>
<form action="http://[x"><input name="a"></form>
<a href="mailto:">empty mail</a>
<input form="nonexistent" name="z"><button form="nonexistent">x</button>
<address></address>
<a href="/doc.PDF?x=1#top">Doc</a>
<p><a href="tel:01632960000">Call</a>
"""


def test_robustness_bad_urls_and_markup_are_skipped_not_fatal(classified) -> None:
    found = classified(NASTY)
    assert [(i.kind, i.label) for i in found] == [
        (Kind.FORM, ""),
        (Kind.CONTACT, "empty mail"),
        (Kind.DOCUMENT, "Doc"),
        (Kind.CONTACT, "Call"),
    ]
    assert found[0].target == "http://[x"  # kept as written: the page says so
    assert all(i.interaction_class is not None and i.evidence for i in found)


def test_robustness_empty_and_text_only_pages(classified) -> None:
    assert classified("") == []
    assert classified("<p>Just words, no interactions.</p>") == []
