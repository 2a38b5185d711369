"""Large gallery images for the heavy "Parks and open spaces" page, made on the fly.

The page should weigh about 3 MB, like a council page full of unoptimised photos. Committing
megabytes of images would bloat the package, so the server draws simple gradients and stores
them in PNG files without compression (valid images, deliberately heavy).
"""

from __future__ import annotations

import functools
import struct
import zlib

WIDTH, HEIGHT = 600, 340

# name -> (colour at the top, colour at the bottom): sky to grass, woodland, river, dunes, dusk
GALLERY: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "parc-y-dref": ((135, 190, 235), (60, 130, 60)),
    "cwm-aderyn-woods": ((170, 200, 150), (30, 80, 40)),
    "riverside-path": ((200, 220, 240), (40, 90, 140)),
    "aberhaul-dunes": ((150, 200, 240), (220, 200, 150)),
    "bandstand": ((250, 180, 120), (70, 50, 90)),
}


def gallery_path(name: str) -> str:
    return f"/media/parks/{name}.png"


@functools.cache
def gallery_png(name: str) -> bytes:
    """The PNG bytes for one gallery image (about 600 KB); KeyError for an unknown name."""
    top, bottom = GALLERY[name]
    rows = []
    for y in range(HEIGHT):
        share = y / (HEIGHT - 1)
        colour = bytes(round(a + (b - a) * share) for a, b in zip(top, bottom, strict=True))
        rows.append(b"\x00" + colour * WIDTH)  # filter byte 0, then RGB pixels
    pixels = zlib.compress(b"".join(rows), 0)  # level 0: stored, so the file stays heavy
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
