"""Embedded platforms: survey frames, chat widgets; everything else is ignored."""

from __future__ import annotations

from dcaudit.models import Kind


def test_extract_embeds_survey_frame_is_an_embed(extracted, only) -> None:
    embed = only(
        extracted(
            '<iframe src="https://www.smartsurvey.co.uk/s/abc/" title="Bins survey"></iframe>'
        )
    )
    assert (embed.kind, embed.label, embed.platform) == (Kind.EMBED, "Bins survey", "SmartSurvey")
    assert embed.target == "https://www.smartsurvey.co.uk/s/abc/"


def test_extract_embeds_chat_widget_is_a_contact_channel_once(extracted, only) -> None:
    chat = only(
        extracted(
            """<script src="https://static.zdassets.com/ekr/snippet.js"></script>
            <script src="https://static.zdassets.com/ekr/other.js"></script>"""
        )
    )
    assert (chat.kind, chat.platform) == (Kind.CONTACT, "Zendesk chat")
    assert chat.selector.startswith("body > script")


def test_extract_embeds_ignores_unknown_hosts_and_video_players(extracted) -> None:
    assert (
        extracted(
            """<iframe src="https://maps.example.org/embed" title="Map"></iframe>
            <iframe src="https://www.youtube.com/embed/x" title="Video"></iframe>
            <script src="https://www.google.com/recaptcha/api.js"></script>"""
        )
        == []
    )
