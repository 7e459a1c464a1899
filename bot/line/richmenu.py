"""The rich menu: six buttons under the chat, and the image that shows them.

One menu serves every user, so it is Japanese (the bot's first language) with
small English captions. Each button sends an ordinary text message, so a tap is
answered exactly as if the trainee had typed it, except 「私の研修」, a postback
(it shows the trainee's own card whatever they might have typed). The image is drawn with Pillow
in the bundled Noto Sans JP subset (``bot/fonts/README.md``), so it looks the
same wherever it is rendered, with no system font needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from linebot.v3.messaging import (
    MessageAction,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import gettext_for
from bot.line.postback import Postback

WIDTH, HEIGHT = 2500, 1686
COLUMNS, ROWS = 3, 2
MAX_IMAGE_BYTES = 1024 * 1024  # LINE's limit for a rich menu image
FONT_PATH = Path(__file__).parent.parent / "fonts" / "NotoSansJP-Bold-subset.otf"

BACKGROUND = "#FFFFFF"
TILE_COLOURS = ("#E8F6EE", "#E6F0FA", "#FFF4E0")
INK = "#1F2A37"
CAPTION_INK = "#5B6675"
LINE_COLOUR = "#C9D1DA"


@dataclass(frozen=True)
class MenuButton:
    """A button: its caption (msgid, English), the text it sends or shows (msgid), and its postback action if any."""

    caption: str
    sends: str
    postback: str | None = None


# Row by row, left to right.
BUTTONS = (
    MenuButton("Schedule", "Training schedule"),
    MenuButton("My training", "My training", postback="my_training"),  # handlers.my_training
    MenuButton("Certificates", "Certificate conditions"),
    MenuButton("Apply", "How to apply for the training"),
    MenuButton("Notice settings", "Notification settings"),
    MenuButton("Contact", "Contact details of the secretariat"),
)


def _japanese(msgid: str) -> str:
    return gettext_for("ja")(msgid)


def _bounds(index: int) -> tuple[int, int, int, int]:
    """x, y, width, height of a button's tile; the last column and row take the remainder."""
    column, row = index % COLUMNS, index // COLUMNS
    x0, x1 = WIDTH * column // COLUMNS, WIDTH * (column + 1) // COLUMNS
    y0, y1 = HEIGHT * row // ROWS, HEIGHT * (row + 1) // ROWS
    return x0, y0, x1 - x0, y1 - y0


def menu_request() -> RichMenuRequest:
    """The rich menu definition: six tappable areas, each sending its text."""
    areas = []
    for index, button in enumerate(BUTTONS):
        x, y, width, height = _bounds(index)
        label = _japanese(button.caption)
        action = (PostbackAction(label=label, data=Postback(button.postback).pack(), displayText=_japanese(button.sends))
                  if button.postback else MessageAction(label=label, text=_japanese(button.sends)))
        areas.append(RichMenuArea(bounds=RichMenuBounds(x=x, y=y, width=width, height=height), action=action))
    return RichMenuRequest(
        size=RichMenuSize(width=WIDTH, height=HEIGHT),
        selected=True,
        name="kenshu-bot main menu",
        chatBarText=_japanese("Menu"),
        areas=areas,
    )


def _fitting_font(text: str, max_width: float, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``size``, or smaller until the text fits the tile with a margin."""
    font = ImageFont.truetype(str(FONT_PATH), size)
    while font.getlength(text) > max_width and size > 40:
        size -= 8
        font = ImageFont.truetype(str(FONT_PATH), size)
    return font


def render_png() -> bytes:
    """The menu image as PNG (flat colours keep it far below LINE's 1 MB limit)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for index, button in enumerate(BUTTONS):
        x, y, width, height = _bounds(index)
        label_font = _fitting_font(_japanese(button.caption), width * 0.85, 144)
        caption_font = _fitting_font(button.caption, width * 0.85, 64)
        draw.rectangle((x, y, x + width, y + height), fill=TILE_COLOURS[index % len(TILE_COLOURS)])
        centre_x, centre_y = x + width / 2, y + height / 2
        draw.text((centre_x, centre_y - 30), _japanese(button.caption), font=label_font, fill=INK, anchor="ms")
        draw.text((centre_x, centre_y + 90), button.caption, font=caption_font, fill=CAPTION_INK, anchor="ms")
    for column in range(1, COLUMNS):
        x = WIDTH * column // COLUMNS
        draw.line((x, 0, x, HEIGHT), fill=LINE_COLOUR, width=6)
    for row in range(1, ROWS):
        y = HEIGHT * row // ROWS
        draw.line((0, y, WIDTH, y), fill=LINE_COLOUR, width=6)
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    png = buffer.getvalue()
    if len(png) > MAX_IMAGE_BYTES:
        raise ValueError(f"rich menu image is {len(png)} bytes, over LINE's {MAX_IMAGE_BYTES}")
    return png
