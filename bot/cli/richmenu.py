"""``kenshu richmenu``: render the rich menu's image to look at, then deploy it to LINE.

The use cases are in ``bot.secretariat.richmenu``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli.clerk import failure, locale_option
from bot.i18n import gettext_for
from bot.secretariat import richmenu
from bot.secretariat.errors import SecretariatError
from bot.services import Services

richmenu_group = AppGroup("richmenu", help="The rich menu under the chat.")


@richmenu_group.command("deploy")
@locale_option
def richmenu_deploy(locale: str) -> None:
    """Create the rich menu, upload its image and make it every user's default."""
    _ = gettext_for(locale)
    try:
        rich_menu_id = richmenu.deploy(Services.current())
    except SecretariatError as error:
        raise failure(error, _) from None
    click.echo(_("rich menu {id} is now the default").format(id=rich_menu_id))


@richmenu_group.command("render")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@locale_option
def richmenu_render(out: Path, locale: str) -> None:
    """Write the rich menu image to a PNG file, to look at before deploying."""
    _ = gettext_for(locale)
    png = richmenu.render()
    out.write_bytes(png)
    click.echo(_("{file}: {size} bytes").format(file=out, size=len(png)))
