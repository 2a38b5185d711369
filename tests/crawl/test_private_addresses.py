"""A public site cannot lead the crawler into private, loopback or link-local addresses.

Decided without connecting: names are resolved by a stand-in resolver, and the only
connections made go to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path
from typing import Any

import httpcore
import pytest
import trustme

from dcaudit.config import Settings
from dcaudit.crawl import addresses
from dcaudit.crawl.addresses import AddressGuard, AddressRefused, GuardedBackend, address_kind
from dcaudit.crawl.clock import SystemClock
from dcaudit.crawl.fetcher import Fetcher
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.results import FetchResult
from dcaudit.errors import SeedError
from dcaudit.store import Store

from .fakes import LoopbackSite, Reply, new_run, run_crawl
from .rawserver import keep_alive, raw_server, response


def info(address: str, port: int = 80) -> tuple[Any, ...]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return (family, socket.SOCK_STREAM, 6, "", (address, port))


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "a link-local address"),
        ("10.1.2.3", "a private address"),
        ("192.168.0.10", "a private address"),
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("fe80::1%eth0", "a link-local address"),
        ("100.64.0.1", "not a public address"),
        ("93.184.216.34", None),
        ("www.council.example", None),  # a name: checked once resolved
    ],
)
def test_address_kind(address: str, kind: str | None) -> None:
    assert address_kind(address) == kind


def test_guard_refuses_a_name_resolving_only_to_non_public_addresses() -> None:
    guard = AddressGuard()
    with pytest.raises(AddressRefused) as caught:
        guard.allowed("metadata.council.example", [info("169.254.169.254")])
    assert str(caught.value) == (
        "refused: metadata.council.example resolves to 169.254.169.254, a link-local "
        "address; set allow_private_addresses to audit an internal site"
    )
    mixed = [info("10.0.0.5"), info("93.184.216.34")]
    assert guard.allowed("www.council.example", mixed) == [info("93.184.216.34")]
    assert AddressGuard(allow_private=True).allowed("intranet.example", mixed) == mixed


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names -> the one address the stand-in resolver gives; connections are recorded."""
    names: dict[str, str] = {}

    async def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
        return [info(names[host], port)]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return names


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for httpcore's backend: records every connection asked of it."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.opened.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")


def test_backend_refuses_before_any_connection(resolver: dict[str, str]) -> None:
    resolver["metadata.council.example"] = "169.254.169.254"
    recording = RecordingBackend()

    async def connect() -> None:
        await GuardedBackend(AddressGuard(), recording).connect_tcp("metadata.council.example", 80)

    with pytest.raises(httpcore.ConnectError, match=r"refused: metadata\.council\.example"):
        asyncio.run(connect())
    assert recording.opened == []


def test_backend_connects_to_the_checked_address_not_the_name(resolver: dict[str, str]) -> None:
    resolver["www.council.example"] = "93.184.216.34"
    recording = RecordingBackend()

    async def connect() -> None:
        await GuardedBackend(AddressGuard(), recording).connect_tcp("www.council.example", 443)

    with pytest.raises(httpcore.ConnectError, match="recorded"):
        asyncio.run(connect())
    assert recording.opened == [("93.184.216.34", 443)]  # no second lookup of the name


def test_a_name_resolving_to_loopback_is_refused_unless_allowed(
    site: LoopbackSite, store: Store, resolver: dict[str, str]
) -> None:
    resolver["www.council.example"] = "127.0.0.1"
    site.page("/", "<p>internal</p>")
    seed = f"http://www.council.example:{site.port}/"
    new_run(store)
    with pytest.raises(SeedError) as caught:
        run_crawl(store, [seed], settings=Settings(delay=0, use_sitemaps=False))
    assert str(caught.value) == (
        f"cannot reach {seed}: refused: www.council.example resolves to 127.0.0.1, a "
        "loopback address; set allow_private_addresses to audit an internal site"
    )
    assert site.log == []  # refused before connecting: not even robots.txt

    new_run(store, "run-2")
    allowed = Settings(delay=0, use_sitemaps=False, allow_private_addresses=True)
    report = run_crawl(store, [seed], settings=allowed, run_id="run-2")
    assert report.stats.pages_fetched == 1 and site.log == ["/robots.txt", "/"]


def test_a_redirect_to_a_link_local_address_is_not_followed_and_noted(
    site: LoopbackSite, store: Store
) -> None:
    target = "http://169.254.169.254/latest/meta-data/"
    site.add("/", Reply(status=302, headers=(("Location", target),), content_type=None))
    site.page("/page", f'<a href="http://10.0.0.5/admin">admin</a><a href="{target}">x</a>')
    new_run(store)
    settings = Settings(delay=0, concurrency=1)  # the seeds in turn: the redirect first
    report = run_crawl(store, [site.url("/"), site.url("/page")], settings=settings)
    skips = {s.url: s.detail for s in store.skips("run-1")}
    assert skips[target] == "redirect target, a link-local address"
    assert skips["http://10.0.0.5/admin"] == "a private address"
    assert (
        "2 links and redirects led to private, loopback or link-local addresses on other "
        f"hosts (the first: {target}); none was followed"
    ) in report.notes


@pytest.mark.parametrize(
    ("certified", "error"),
    [("www.council.example", None), ("127.0.0.1", "TLS certificate not valid")],
    ids=["for-the-name", "for-the-address"],
)
def test_tls_checks_the_certificate_against_the_name_not_the_address(
    resolver: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    certified: str,
    error: str | None,
) -> None:
    resolver["www.council.example"] = "127.0.0.1"  # an internal site, allowed below
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(certified).configure_cert(context)
    page = response(b"<p>inside</p>", "Content-Type: text/html")
    with raw_server(keep_alive(page), tls=context) as server:
        result = asyncio.run(_fetch(f"https://www.council.example:{server.port}/"))
    assert (result.error, result.body) == (error, None if error else b"<p>inside</p>")


async def _fetch(url: str) -> FetchResult:
    clock = SystemClock()
    settings = Settings(delay=0, retries=0, allow_private_addresses=True)
    fetcher = Fetcher(settings, HostSlots(1, 0, clock), clock)
    try:
        return await fetcher.fetch_page(url)
    finally:
        await fetcher.aclose()
