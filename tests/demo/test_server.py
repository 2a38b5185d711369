"""DemoServer: lifecycle, quiet logging, safe static serving and HTTP details."""

from __future__ import annotations

import http.client
import logging
from urllib.parse import urlsplit

import httpx
import pytest

from dcaudit.demo import DemoServer
from dcaudit.errors import DcauditError


def raw_get(server: DemoServer, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """Send ``path`` exactly as written (httpx would normalise dot segments away)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_demo_server_listens_on_a_free_loopback_port() -> None:
    with DemoServer() as server:
        parts = urlsplit(server.url)
        assert parts.scheme == "http"
        assert parts.hostname == "127.0.0.1"
        assert parts.port not in (None, 0)
        assert server.url.endswith("/")
        assert httpx.get(server.url).status_code == 200


def test_demo_server_stops_listening_on_exit() -> None:
    with DemoServer() as server:
        url = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5)


def test_demo_server_url_outside_with_raises_a_clear_error() -> None:
    with pytest.raises(DcauditError, match="inside 'with'"):
        _ = DemoServer().url


def test_demo_server_port_in_use_raises_dcaudit_error() -> None:
    with DemoServer() as first:
        port = urlsplit(first.url).port or 0
        with pytest.raises(DcauditError, match="cannot listen"), DemoServer(port=port):
            pass


def test_demo_server_prints_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with DemoServer() as server:
        httpx.get(server.url)
        httpx.get(server.url + "no-such-page/")
        httpx.post(server.url + "cookies/preferences", data={"cookies": "accept"})
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_demo_server_sends_request_lines_to_the_debug_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="dcaudit.demo.server"), DemoServer() as server:
        httpx.get(server.url + "news/")
    assert any("GET /news/" in record.getMessage() for record in caplog.records)


def test_demo_servers_keep_separate_state() -> None:
    with DemoServer() as first, DemoServer() as second:
        first.app.state.vote("play-area")
        votes = {p.id: p.votes for p in second.app.state.projects()}
        assert votes["play-area"] == 412
        assert {p.id: p.votes for p in first.app.state.projects()}["play-area"] == 413


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/assets/../../server.py",
        "/%2e%2e/server.py",
        "/assets//style.css",
        "/.hidden",
        "/index.html",
        "/search/index.html",
        "/sitemap.xml/",
        "/server.py",
        "/seed.yaml",
    ],
)
def test_static_files_refuse_traversal_and_raw_templates(
    shared_server: DemoServer, path: str
) -> None:
    assert raw_get(shared_server, path).status == 404


def test_static_folder_without_slash_redirects(shared_server: DemoServer) -> None:
    response = raw_get(shared_server, "/news")
    assert response.status == 301
    assert response.getheader("Location") == "/news/"


def test_unknown_page_is_404_with_the_site_chrome(shared_server: DemoServer) -> None:
    response = httpx.get(shared_server.url + "no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'action="/search/"' in response.text


def test_head_sends_headers_without_a_body(shared_server: DemoServer) -> None:
    response = raw_get(shared_server, "/documents/residents-parking-permit-application.pdf", "HEAD")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/pdf"
    assert int(response.getheader("Content-Length") or 0) > 1000


def test_unsupported_method_is_refused(shared_server: DemoServer) -> None:
    assert httpx.request("DELETE", shared_server.url).status_code == 501


def test_post_to_unknown_action_is_404(shared_server: DemoServer) -> None:
    assert httpx.post(shared_server.url + "nowhere", data={"a": "b"}).status_code == 404


def test_oversized_form_is_refused(shared_server: DemoServer) -> None:
    response = httpx.post(shared_server.url + "contact/send", content=b"x" * 70_000)
    assert response.status_code == 413
