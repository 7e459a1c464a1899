"""The rich menu under the chat: look at its image, then make it every trainee's default."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Gettext
from bot.line import richmenu
from bot.line.gateway import LineApiError
from bot.secretariat.errors import SecretariatError
from bot.services import Services


@dataclass(eq=False)
class MenuRefused(SecretariatError):
    detail: str  # LINE's answer

    def message(self, _: Gettext) -> str:
        return _("LINE refused the rich menu: {error}").format(error=self.detail)


def render() -> bytes:
    """The menu's image as PNG, exactly as ``deploy`` uploads it."""
    return richmenu.render_png()


def deploy(services: Services) -> str:
    """Create the menu, upload its image and make it every user's default; returns LINE's menu id."""
    try:
        return services.line.create_rich_menu(richmenu.menu_request(), render())
    except LineApiError as error:
        raise MenuRefused(str(error)) from None
