"""Which addresses the crawler may connect to: public ones, unless told otherwise.

A public site must not lead the crawler into the network it runs in: a host name that
resolves to a private, loopback or link-local address (169.254.169.254 serves cloud
credentials) is refused, with a reason that names the setting to allow it
(``allow_private_addresses``, for audits of internal sites). Hosts the user gave as an
address (a seed or extra host such as ``127.0.0.1`` or ``localhost``) are theirs to audit
and always allowed. Names are resolved once and the connection goes to the addresses
checked, so a second lookup cannot answer differently.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from asyncio import staggered
from collections.abc import Iterable, Sequence
from typing import Any

import httpcore

AddrInfo = tuple[Any, ...]  # as getaddrinfo gives it: family, type, proto, name, sockaddr
SETTING = "allow_private_addresses"
HAPPY_EYEBALLS_DELAY = 0.25  # seconds before trying a host's next address (RFC 8305)


class AddressRefused(Exception):
    """A host resolves only to addresses the crawl may not reach."""


def address_kind(address: str) -> str | None:
    """None for a public address; else what kind of address it is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None  # not an address: a name, resolved and checked when connecting
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    return "not a public address"


def is_given_address(host: str) -> bool:
    """A host written as an address (or localhost): what the user gave, not a DNS answer."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class AddressGuard:
    """Decides, for each host the crawl connects to, whether its addresses may be used.

    Only names are checked: a host written as an address is in the crawl's scope only
    because the user gave it (a seed, an extra host); one found on a page or in a
    redirect is on another host, outside the scope, and never fetched.
    """

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    def allowed(self, host: str, infos: Sequence[AddrInfo]) -> list[AddrInfo]:
        """The resolved addresses that may be used; AddressRefused when none may."""
        if self.allow_private:
            return list(infos)
        allowed = [info for info in infos if address_kind(str(info[4][0])) is None]
        if allowed or not infos:
            return allowed
        address = str(infos[0][4][0])
        raise AddressRefused(
            f"refused: {host} resolves to {address}, {address_kind(address)}; set "
            f"{SETTING} to audit an internal site"
        )


async def resolve(host: str, port: int) -> list[AddrInfo]:
    """The host's addresses (the system resolver, off the event loop)."""
    loop = asyncio.get_running_loop()
    return await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own network backend (anyio's sockets), asked to connect only to the
    addresses the guard allows.

    A name is resolved once here and the checked addresses are handed to the backend as
    addresses, so a second lookup cannot answer differently; the next address is tried
    after :data:`HAPPY_EYEBALLS_DELAY` seconds (RFC 8305). A host given as an address, or
    localhost, goes to the backend unchanged. TLS still checks the certificate against the
    name: httpcore takes it from the request, not from the address connected to.
    """

    def __init__(
        self, guard: AddressGuard, backend: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._guard = guard
        self._backend = backend if backend is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        connect = functools.partial(
            self._backend.connect_tcp,
            port=port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        if is_given_address(host):
            return await connect(host)
        infos = await self._allowed(host, port, timeout)
        attempts = [functools.partial(connect, str(info[4][0])) for info in _interleave(infos)]
        stream, _, errors = await staggered.staggered_race(attempts, HAPPY_EYEBALLS_DELAY)
        if stream is None:
            raise next((e for e in errors if e is not None), httpcore.ConnectError(host))
        assert isinstance(stream, httpcore.AsyncNetworkStream)
        return stream

    async def _allowed(self, host: str, port: int, timeout: float | None) -> list[AddrInfo]:
        """The host's addresses the guard allows, or httpcore's connect failure saying why."""
        try:
            async with asyncio.timeout(timeout):
                infos = self._guard.allowed(host, await resolve(host, port))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out looking up {host}") from exc
        except (AddressRefused, OSError) as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if not infos:
            raise httpcore.ConnectError(f"no address for {host}")
        return infos

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the crawler has no unix sockets
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _interleave(infos: Sequence[AddrInfo]) -> list[AddrInfo]:
    """Addresses alternating between families, the first family first (RFC 8305)."""
    families: dict[int, list[AddrInfo]] = {}
    for info in infos:
        families.setdefault(info[0], []).append(info)
    ordered: list[AddrInfo] = []
    queues = list(families.values())
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered


__all__ = [
    "AddressGuard",
    "AddressRefused",
    "GuardedBackend",
    "address_kind",
    "is_given_address",
    "resolve",
]
