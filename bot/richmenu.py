"""The residents' rich menu: its four big buttons, the image drawn for them, and `sasaeai richmenu setup`."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linebot.v3.messaging import RichMenuRequest
from PIL import Image, ImageDraw, ImageFont

from bot import messages as M
from bot.config import ConfigError, Settings
from bot.gateway import LineGateway

log = logging.getLogger(__name__)

FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FONT_INDEX = 0  # Noto Sans CJK JP: Japanese glyph shapes, not the Chinese or Korean variants
# Every menu we create carries this name prefix, so a re-run deletes ours and leaves others' menus alone.
NAME_PREFIX = "sasaeai-residents"
WIDTH, HEIGHT = 2500, 1686
CELL_W, CELL_H = WIDTH // 2, HEIGHT // 2
GAP = 14  # white lines between the buttons: four separate targets, not one picture
WHITE = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    hint: str
    color: tuple[int, int, int]
    icon: str  # "bubble", "list", "phone", "question"


# Dark backgrounds with white type: each pair is above 7:1 contrast (WCAG AAA), for eyes of eighty.
BUTTONS = (
    Button(M.MENU_REQUEST_LABEL, M.MENU_REQUEST_HINT, (20, 84, 62), "bubble"),
    Button(M.MENU_STATUS_LABEL, M.MENU_STATUS_HINT, (24, 66, 122), "list"),
    Button(M.MENU_PHONE_LABEL, M.MENU_PHONE_HINT, (150, 40, 30), "phone"),
    Button(M.MENU_HELP_LABEL, M.MENU_HELP_HINT, (64, 64, 64), "question"),
)


class RichMenuError(Exception):
    """Something the person running `sasaeai richmenu setup` must fix; the message says what."""


def _font(size: int) -> ImageFont.FreeTypeFont:
    if not FONT_PATH.exists():
        raise RichMenuError(
            f"Japanese font not found at {FONT_PATH}: install Debian's fonts-noto-cjk "
            "(`make install` does, or `sudo apt-get install fonts-noto-cjk`)"
        )
    return ImageFont.truetype(str(FONT_PATH), size, index=FONT_INDEX)


def _icon(draw: ImageDraw.ImageDraw, kind: str, cx: int, cy: int, color: tuple[int, int, int]) -> None:
    """A simple white pictogram centred on (cx, cy), about 240 px tall."""
    if kind == "bubble":
        draw.rounded_rectangle((cx - 150, cy - 110, cx + 150, cy + 70), radius=50, fill=WHITE)
        draw.polygon([(cx - 70, cy + 60), (cx - 110, cy + 130), (cx - 10, cy + 60)], fill=WHITE)
        for dx in (-80, 0, 80):
            draw.ellipse((cx + dx - 22, cy - 42, cx + dx + 22, cy + 2), fill=color)
    elif kind == "list":
        draw.rounded_rectangle((cx - 120, cy - 130, cx + 120, cy + 130), radius=24, fill=WHITE)
        for i, dy in enumerate((-70, 0, 70)):
            draw.ellipse((cx - 90, cy + dy - 18, cx - 54, cy + dy + 18), fill=color)
            draw.rounded_rectangle((cx - 30, cy + dy - 12, cx + 90 - (i % 2) * 30, cy + dy + 12), radius=8, fill=color)
    elif kind == "phone":
        f = _font(280)
        draw.text((cx, cy + 10), "☎", font=f, fill=WHITE, anchor="mm")
    elif kind == "question":
        draw.ellipse((cx - 130, cy - 130, cx + 130, cy + 130), fill=WHITE)
        draw.text((cx, cy + 8), "？", font=_font(210), fill=color, anchor="mm")


def _fit(text: str, max_width: int, start: int) -> ImageFont.FreeTypeFont:
    size = start
    font = _font(size)
    while font.getlength(text) > max_width and size > 40:
        size -= 4
        font = _font(size)
    return font


def draw_image() -> bytes:
    """The menu image: four large, high-contrast buttons with a pictogram, a big label and a short hint."""
    img = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(img)
    # One size for all labels and one for all hints (the longest decides), so no button looks lesser.
    label_font = min((_fit(b.label, CELL_W - 110, 156) for b in BUTTONS), key=lambda f: f.size)
    hint_font = min((_fit(b.hint, CELL_W - 130, 84) for b in BUTTONS), key=lambda f: f.size)
    for i, b in enumerate(BUTTONS):
        x0, y0 = (i % 2) * CELL_W, (i // 2) * CELL_H
        box = (x0 + GAP // 2, y0 + GAP // 2, x0 + CELL_W - GAP // 2 - 1, y0 + CELL_H - GAP // 2 - 1)
        draw.rectangle(box, fill=b.color)
        cx = x0 + CELL_W // 2
        _icon(draw, b.icon, cx, y0 + 215, b.color)
        draw.text((cx, y0 + 540), b.label, font=label_font, fill=WHITE, anchor="mm")
        draw.text((cx, y0 + 710), b.hint, font=hint_font, fill=WHITE, anchor="mm")
    out = io.BytesIO()
    # A palette PNG of a few flat colours stays far below LINE's 1 MB limit and keeps edges crisp.
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


def menu_body(phone: str) -> dict[str, Any]:
    """The rich menu object: four areas in a 2 x 2 grid, in the order of BUTTONS."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch in "+#*")
    actions: list[dict[str, Any]] = [
        {"type": "message", "label": M.MENU_REQUEST_LABEL, "text": M.MENU_REQUEST_LABEL},
        {"type": "message", "label": M.MENU_STATUS_LABEL, "text": M.MENU_STATUS_LABEL},
        {"type": "uri", "label": M.MENU_PHONE_LABEL, "uri": f"tel:{digits}"},
        {"type": "message", "label": M.MENU_HELP_LABEL, "text": M.MENU_HELP_LABEL},
    ]
    areas = [
        {
            "bounds": {"x": (i % 2) * CELL_W, "y": (i // 2) * CELL_H, "width": CELL_W, "height": CELL_H},
            "action": action,
        }
        for i, action in enumerate(actions)
    ]
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,  # open when the chat opens: residents should not have to find it
        "name": f"{NAME_PREFIX} {digits}",
        "chatBarText": M.MENU_CHAT_BAR,
        "areas": areas,
    }


def consult_phone(settings: Settings) -> str:
    phone = (settings.consult_phone or "").strip()
    if sum(ch.isdigit() for ch in phone) < 3:
        raise ConfigError(
            "CONSULT_PHONE missing: set the number residents call from the rich menu's 電話で相談 button "
            "(one number for the whole city: a default rich menu is the same for everyone, so it cannot "
            "be a district's own number)"
        )
    return phone


async def setup(settings: Settings, *, image: bytes | None = None, say: Callable[[str], None] = log.info) -> str:
    """Create our menu, upload its image and make it the default; our older menus are deleted first."""
    phone = consult_phone(settings)
    png = image if image is not None else draw_image()
    gateway = LineGateway(settings)
    try:
        api, blob = gateway.api, gateway.blob
        for old in (await api.get_rich_menu_list()).richmenus:
            if old.name.startswith(NAME_PREFIX):
                await api.delete_rich_menu(old.rich_menu_id)
                say(f"deleted old rich menu {old.rich_menu_id}")
        created = await api.create_rich_menu(RichMenuRequest.from_dict(menu_body(phone)))
        menu_id = str(created.rich_menu_id)
        await blob.set_rich_menu_image(menu_id, png, _headers={"Content-Type": "image/png"})
        await api.set_default_rich_menu(menu_id)
        say(f"rich menu {menu_id} created, image uploaded ({len(png) // 1024} KB), set as default")
        return menu_id
    finally:
        await gateway.close()
