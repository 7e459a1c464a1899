"""Finding the training edition a clerk names by id (roster and credentials both do)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Gettext
from bot.knowledge import Edition, Knowledge
from bot.secretariat.errors import SecretariatError


@dataclass(eq=False)
class UnknownEdition(SecretariatError):
    edition_id: str
    known: tuple[str, ...]

    def message(self, _: Gettext) -> str:
        return _("unknown edition {edition} (known: {known})").format(
            edition=self.edition_id, known=", ".join(self.known))


def find_edition(knowledge: Knowledge, edition_id: str) -> Edition:
    """The edition with this id; ``UnknownEdition`` lists the ids there are."""
    if edition_id not in knowledge.editions:
        raise UnknownEdition(edition_id, tuple(sorted(knowledge.editions)))
    return knowledge.editions[edition_id]
