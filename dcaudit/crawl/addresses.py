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
from collections.abc import Sequence
from typing import Any

AddrInfo = tuple[Any, ...]  # as getaddrinfo gives it: family, type, proto, name, sockaddr
SETTING = "allow_private_addresses"


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


async def connect_checked(
    guard: AddressGuard, host: str, port: int, local_address: str | None, delay: float
) -> socket.socket:
    """A connected socket to one of the host's allowed addresses, the next address tried
    after ``delay`` seconds as asyncio does (RFC 8305 happy eyeballs)."""
    infos = guard.allowed(host, await resolve(host, port))
    if not infos:
        raise OSError(f"no address for {host}")
    attempts = [functools.partial(_open_socket, info, local_address) for info in _interleave(infos)]
    sock, _, errors = await staggered.staggered_race(attempts, delay)
    if sock is None:
        raise next((e for e in errors if e is not None), OSError(f"cannot connect to {host}"))
    assert isinstance(sock, socket.socket)
    return sock


async def _open_socket(info: AddrInfo, local_address: str | None) -> socket.socket:
    family, kind, proto, _, address = info
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        if local_address:
            sock.bind((local_address, 0))
        await asyncio.get_running_loop().sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


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
    "address_kind",
    "connect_checked",
    "is_given_address",
    "resolve",
]
