"""A small council site in two versions, served over real HTTP on 127.0.0.1.

Version 2 against version 1: two problems fixed (the bin calendar image has its text
alternative, the contact form's subject field its label), one problem added (a news item's
photo without a text alternative), the parks consultation form replaced by an email
address, and the news items in another order. The heading-level skip on the news page is
known debt in both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEADER = """<header><a href="/"><img src="/logo.png" alt="Bryn Council home"></a>
<nav aria-label="Main"><a href="/news/">News</a> <a href="/services/bins/">Bin collections</a>
<a href="/consultations/parks-plan/">Parks plan</a> <a href="/contact/">Contact us</a></nav>
</header>"""
FOOTER = """<footer><p>Bryn Council, Civic Centre, Bryn. Call us on
<a href="tel:01632960000">01632 960 000</a>, Monday to Friday.</p></footer>"""
NEWS_ITEMS = (
    "<article><h2>Library hours change</h2><p>Libraries open later on Thursdays.</p></article>",
    "<article><h2>Gritting routes</h2><p>See which roads we grit in winter.</p></article>",
    "<article><h2>Summer reading</h2><p>Children can join the reading challenge.</p></article>",
)
NEW_ITEM = (
    '<article><h2>Village fete</h2><img src="/img/fete.jpg">'
    "<p>The fete is on Saturday in the park.</p></article>"
)
CONSULTATION_FORM = """<form action="/consultations/parks-plan/respond" method="post">
<h2>Have your say</h2>
<label for="comments">Your comments on the draft parks plan</label>
<textarea id="comments" name="comments"></textarea>
<button type="submit">Submit your response</button>
</form>"""
CONSULTATION_EMAIL = """<p>To respond to the consultation, email
<a href="mailto:parks@bryn.example">parks@bryn.example</a>.</p>"""


def page(title: str, main: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | Bryn Council</title></head>
<body>
{HEADER}
<main id="main">
{main}
</main>
{FOOTER}
</body>
</html>
"""


def pages(version: int) -> dict[str, str]:
    items = NEWS_ITEMS if version == 1 else (NEWS_ITEMS[2], NEW_ITEM, NEWS_ITEMS[0], NEWS_ITEMS[1])
    bin_alt = "" if version == 1 else ' alt="Bin collection calendar for 2026"'
    subject = (
        '<input type="text" name="subject">'
        if version == 1
        else '<label for="subject">Subject</label><input type="text" id="subject" name="subject">'
    )
    consultation = CONSULTATION_FORM if version == 1 else CONSULTATION_EMAIL
    return {
        "/": page("Home", "<h1>Bryn Council</h1><p>Services, news and consultations.</p>"),
        "/news/": page(
            "News",
            "<h1>News</h1>\n" + "\n".join(items) + "\n<h4>Older news</h4><p>See the archive.</p>",
        ),
        "/services/bins/": page(
            "Bin collections",
            f"<h1>Bin collections</h1><p>Your bins are collected weekly.</p>"
            f'<img src="/img/bin-calendar.png"{bin_alt}>',
        ),
        "/contact/": page(
            "Contact us",
            '<h1>Contact us</h1><form action="/contact/send" method="post">'
            f"<h2>Send us a message</h2>{subject}"
            '<label for="message">Message</label><textarea id="message" name="message"></textarea>'
            '<button type="submit">Send</button></form>',
        ),
        "/consultations/parks-plan/": page(
            "Parks plan consultation",
            "<h1>Parks plan consultation</h1><p>Tell us what you think of the draft parks "
            f"plan. The consultation closes on 30 June.</p>\n{consultation}",
        ),
    }


class TwoVersionSite:
    """The site on 127.0.0.1 with a free port; ``version`` says which one it serves."""

    def __init__(self) -> None:
        self.version = 1
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages(site.version).get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@contextmanager
def serve() -> Iterator[TwoVersionSite]:
    site = TwoVersionSite()
    try:
        yield site
    finally:
        site.close()
