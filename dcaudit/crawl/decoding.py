"""Response bodies undone from their Content-Encoding, piece by piece.

The fetcher reads a body as it arrives on the wire (httpx's raw stream) and inflates it
here in pieces of at most :data:`PIECE` bytes, so a small compressed body cannot inflate
into memory all at once: the body-size cap stops a decompression bomb within one piece.
Only the codings the fetcher asks for (gzip and deflate) are undone; any other is a
:class:`httpx.DecodingError`, as is a body that is not what its coding says.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator, AsyncIterable

import httpx

PIECE = 256 * 1024  # largest piece of a decompressed body handed on at once
ACCEPT_ENCODING = "gzip, deflate"


async def decoded(body: AsyncIterable[bytes], encoding: str | None) -> AsyncGenerator[bytes, None]:
    """``body`` undone from one gzip or deflate coding (``encoding`` as the header says)."""
    coding = (encoding or "").strip().lower()
    if coding in ("", "identity"):
        async for chunk in body:
            yield chunk
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(f"unsupported content encoding {coding[:40]!r}")
    inflater = None
    try:
        async for chunk in body:
            if inflater is None:
                if not chunk:
                    continue
                inflater = zlib.decompressobj(_window_bits(coding, chunk))
            data = chunk
            while data:
                piece = inflater.decompress(data, PIECE)
                data = inflater.unconsumed_tail
                if piece:
                    yield piece
        tail = inflater.flush() if inflater is not None else b""
    except zlib.error as exc:
        raise httpx.DecodingError(f"body could not be decoded ({coding})") from exc
    if tail:
        yield tail


def _window_bits(coding: str, first: bytes) -> int:
    """zlib's format for the coding: gzip; deflate, which is meant to be zlib-wrapped but
    some servers send raw (a zlib stream opens with a checked two-byte header)."""
    if coding != "deflate":
        return 31
    wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return 15 if wrapped else -15


__all__ = ["ACCEPT_ENCODING", "PIECE", "decoded"]
