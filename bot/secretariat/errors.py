"""The one base of the secretariat's errors: typed data, phrased through the catalogs.

A use case raises an error that carries what a clerk needs to fix the request
(the edition id that does not exist, the quota that is short...); the caller
phrases it with ``message(_)`` in the clerk's language. ``str()`` gives the
English phrasing, for logs.
"""

from __future__ import annotations

from bot.i18n import Gettext, gettext_for


class SecretariatError(Exception):
    """A request of the secretariat that cannot be done as asked."""

    def message(self, _: Gettext) -> str:
        """What went wrong, as a clerk reads it."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.message(gettext_for("en"))
