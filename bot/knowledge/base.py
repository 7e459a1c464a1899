"""Building blocks shared by every knowledge model: strict models, text, sources.

Every model forbids unknown keys so that a typo in any file of ``data/`` is an
error at start-up rather than a fact that silently disappears from answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """Base for all knowledge models: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A piece of trainee-facing text: Japanese as in the source, optional English.

    In YAML a plain string is shorthand for ``{ja: ...}`` because most facts are
    only needed in Japanese; key facts also carry ``en`` so English answers can
    show them without machine translation.
    """

    ja: str = Field(min_length=1)
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"ja": value}
        return value

    def in_locale(self, locale: str) -> str:
        """Return the English text when asked for ``en`` and present, else Japanese."""
        if locale == "en" and self.en:
            return self.en
        return self.ja


class Source(Strict):
    """Where a fact came from, so the secretariat can audit any answer."""

    file: str = Field(min_length=1, description="Seed document file name, e.g. 000_45e7f4eef985b402.txt")
    section: str = Field(min_length=1, description="Heading or part of the document the fact came from")


class Sourced(Strict):
    """A group of facts that all come from one place in one source document."""

    source: Source


# The shape of ids written in data/ (FAQ entries and categories, reminder rules): ``week-before``.
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
