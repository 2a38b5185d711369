"""The crawler's one HTTP client: an :class:`httpx.AsyncClient` on httpx's own transports.

- Direct requests go through httpx's transport, whose connection pool connects through
  the address guard (:class:`~dcaudit.crawl.addresses.GuardedBackend`).
- Proxies from the environment (``http_proxy``, ``https_proxy``, ``all_proxy``,
  ``no_proxy``) are httpx mounts: an httpx proxy transport per proxy, and direct for the
  hosts ``no_proxy`` names and for loopback, which is never proxied.
- TLS: certifi's CAs, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set. A setting that
  cannot be loaded is a :class:`~dcaudit.errors.ConfigError` naming it.
- A transport a test gives (``httpx.MockTransport``) takes the place of both routes in
  the same client, so tests run the production path above the transport.

The client keeps no cookies and follows no redirect: the fetcher follows redirects
itself, with its own checks, so the Location header is moved out of httpx's way
(:data:`LOCATION`).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import urllib.request
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit

import httpcore
import httpx

from dcaudit import __version__
from dcaudit.config import Settings
from dcaudit.crawl.addresses import AddressGuard, GuardedBackend
from dcaudit.crawl.decoding import ACCEPT_ENCODING
from dcaudit.errors import ConfigError
from dcaudit.redact import strip_userinfo

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
LOCATION = "dcaudit.location"  # response extension: the Location header, moved aside
KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept
# never proxied (as in browsers): the demo site and test servers live there
LOOPBACK = ("all://localhost", "all://*.localhost", "all://127.0.0.1", "all://[::1]")
Mounts = dict[str, httpx.AsyncBaseTransport | None]


def build_client(
    settings: Settings, guard: AddressGuard, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client every request of a crawl goes through; ``transport`` replaces httpx's own
    (and the proxies) in tests. ConfigError for TLS certificates or a proxy that cannot be
    used."""
    mounts: Mounts | None = None
    if transport is None:
        context = tls_context()
        # the crawl's host slots bound how many requests run at once: no pool limit
        limits = httpx.Limits(
            max_connections=None,
            max_keepalive_connections=max(20, settings.concurrency * 4),
            keepalive_expiry=KEEPALIVE_EXPIRY,
        )
        transport = _direct_transport(context, limits, guard)
        mounts = proxy_mounts(context, limits)
    return httpx.AsyncClient(
        transport=transport,
        mounts=mounts,
        headers={
            "User-Agent": settings.user_agent or f"dcaudit/{__version__}",
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        ),
        cookies=NoCookies(policy=DefaultCookiePolicy(allowed_domains=[])),
        follow_redirects=False,
        trust_env=False,  # the environment is read here, once, with clear errors
        event_hooks={"response": [_hold_location]},
    )


class NoCookies(CookieJar):
    """A jar that keeps no cookie and does not read a Set-Cookie header: the crawl sends
    none, so the headers of every response need not be copied for the jar to look."""

    def extract_cookies(self, response: object, request: object) -> None:
        return None

    def set_cookie(self, cookie: Cookie) -> None:
        return None


async def _hold_location(response: httpx.Response) -> None:
    """Move the Location header into the response's extensions. httpx builds the next
    request from it even when it follows no redirects, and fails on one it cannot parse
    (``mailto:``, ``javascript:``); the fetcher judges redirect targets itself."""
    location = response.headers.get("location")
    if location is not None:
        del response.headers["location"]
        response.extensions[LOCATION] = location


def tls_context() -> ssl.SSLContext:
    """httpx's TLS context: certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when set; made
    once per process for each setting (loading the CAs takes tens of milliseconds).
    A certificate setting that cannot be loaded stops the run with a ConfigError naming
    it (it would fail every https request alike)."""
    settings = tuple(
        f"{name}={os.environ[name]}"
        for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")
        if os.environ.get(name)
    )
    try:
        return _tls_context(settings)
    except (OSError, ssl.SSLError) as exc:
        where = f" ({', '.join(settings)})" if settings else ""
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"cannot load the TLS certificates{where}: {reason}") from exc


@functools.cache
def _tls_context(settings: tuple[str, ...]) -> ssl.SSLContext:
    """One context per certificate setting (the key; httpx reads the same variables)."""
    return httpx.create_ssl_context()


def _direct_transport(
    context: ssl.SSLContext, limits: httpx.Limits, guard: AddressGuard
) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its connection pool on the guarded network backend."""
    transport = httpx.AsyncHTTPTransport(verify=context, limits=limits, trust_env=False)
    # httpx takes no network backend, so its pool is made again, the same but guarded.
    # Checked, not assumed: a pool kept elsewhere would leave the guard out silently.
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError("httpx's transport has no connection pool to guard")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(guard),
    )
    return transport


def proxy_mounts(context: ssl.SSLContext, limits: httpx.Limits) -> Mounts:
    """httpx mounts for the proxies the environment names: each scheme's proxy (or the
    one for all), and direct for ``no_proxy``'s hosts and loopback. Empty without proxies
    or with ``no_proxy=*``."""
    proxies = urllib.request.getproxies()
    bypass = _bypass_patterns(proxies.get("no", ""))
    if bypass is None:
        return {}
    made: dict[str, httpx.AsyncBaseTransport] = {}
    mounts: Mounts = {}
    for scheme in ("http", "https"):
        proxy = proxies.get(scheme) or proxies.get("all")
        if proxy:
            if proxy not in made:
                made[proxy] = _proxy_transport(scheme, proxy, context, limits)
            mounts[f"{scheme}://"] = made[proxy]
    if mounts:
        mounts.update(dict.fromkeys((*LOOPBACK, *bypass)))
    return mounts


def _proxy_transport(
    scheme: str, proxy: str, context: ssl.SSLContext, limits: httpx.Limits
) -> httpx.AsyncHTTPTransport:
    """httpx's transport through ``proxy``; one that cannot be used (a SOCKS proxy
    without socksio, an unknown scheme) is a ConfigError naming it, without user-info."""
    try:
        if not urlsplit(proxy).hostname:
            raise ValueError("no host in the proxy URL")
        return httpx.AsyncHTTPTransport(verify=context, limits=limits, proxy=proxy)
    except (ImportError, ValueError, httpx.InvalidURL) as exc:
        shown = strip_userinfo(proxy)
        raise ConfigError(
            f"cannot use the {scheme} proxy {shown} from the environment: {exc}"
        ) from exc


def _bypass_patterns(no_proxy: str) -> list[str] | None:
    """httpx URL patterns for the hosts ``no_proxy`` names (each with its subdomains, as
    urllib and curl read it); None for ``*``, which bypasses every proxy. An entry that
    makes no URL (a network in CIDR form) is passed over."""
    patterns: list[str] = []
    for entry in no_proxy.split(","):
        name = entry.strip().lstrip(".").lower()
        if name == "*":
            return None
        if not name:
            continue
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            pattern = f"all://*{name}"  # the name and every name under it
        else:
            pattern = f"all://[{name.strip('[]')}]" if ":" in name else f"all://{name}"
        try:
            httpx.URL(pattern)
        except httpx.InvalidURL:
            continue
        patterns.append(pattern)
    return patterns


__all__ = ["ACCEPT", "LOCATION", "NoCookies", "build_client", "proxy_mounts", "tls_context"]
