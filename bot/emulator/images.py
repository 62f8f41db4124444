"""Rich menu image checks: format, dimensions and size, read from the image header without decoding it."""

from __future__ import annotations

import struct
from typing import Any

from bot.emulator.state import PlatformError

IMAGE_TYPES = ("image/png", "image/jpeg")
MAX_BYTES = 1024 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, ...) carry the dimensions; DHT/JPG/DAC share the range.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, or None when the bytes are not that format."""
    if content_type == "image/png":
        if data[:8] != _PNG_MAGIC or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def check_rich_menu_image(data: bytes, content_type: str, size: dict[str, Any]) -> None:
    """LINE's documented rules: JPEG or PNG, at most 1 MB, and the size the rich menu object declares."""
    if len(data) > MAX_BYTES:
        raise PlatformError(413, "Request Entity Too Large")
    dims = image_size(data, content_type)
    if dims is None:
        raise PlatformError(400, f"The image is not a valid {content_type}")
    width, height = dims
    want = (size.get("width"), size.get("height"))
    if want != (width, height):
        raise PlatformError(
            400, f"The image size {width}x{height} does not match the rich menu size {want[0]}x{want[1]}"
        )
