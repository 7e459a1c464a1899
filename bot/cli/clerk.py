"""What the secretariat's commands share: the --locale option and their failures in the clerk's language.

Output is Japanese by default, for the clerks who run these commands; click's
own framing (``Usage:``, ``Error:``) stays as click prints it.
"""

from __future__ import annotations

import click

from bot.i18n import DEFAULT_LOCALE, Gettext
from bot.secretariat.errors import SecretariatError

locale_option = click.option("--locale", default=DEFAULT_LOCALE, show_default=True,
                             help="Language of the output (ja, en).")


def failure(error: SecretariatError, _: Gettext) -> click.ClickException:
    """The error as click reports it (exit status 1), phrased for the clerk."""
    return click.ClickException(error.message(_))


def usage_failure(error: SecretariatError, _: Gettext) -> click.UsageError:
    """An error in what the clerk typed, reported with the usage (exit status 2)."""
    return click.UsageError(error.message(_))
