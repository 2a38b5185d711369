"""The suite's own guard: nothing leaves loopback."""

from __future__ import annotations

import socket

import pytest


def test_network_guard_refuses_outside_addresses() -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="loopback"):
        sock.connect(("192.0.2.1", 80))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("www.gov.uk", 443)


def test_network_guard_allows_loopback() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
