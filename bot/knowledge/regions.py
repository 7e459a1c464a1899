"""The schema of ``data/faq/regions.yaml``: the places of Japan's regions, for venues named by region.

The ECMO documents hold one session per region (近畿地方（京都府）, 中部地方（岐阜県）) and
name only the host city. A trainee asks about their own city (「大阪の病院ですが」, 名古屋,
仙台, "Sapporo"): the session of that city's region is the one meant. Which city lies
in which region is geography, not a fact of any training, so it is data kept apart
from the editions and used only to find the venue of a region the edition names.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.knowledge.base import Strict


class Region(Strict):
    """One region: its name as the documents write it inside a venue's region, and its places."""

    name: str = Field(min_length=2, description="as in a venue's region: 近畿 matches 近畿地方（京都府）")
    places: list[str] = Field(min_length=1, description="prefectures, cities and other names for the region")

    @field_validator("places")
    @classmethod
    def _long_enough(cls, places: list[str]) -> list[str]:
        short = [p for p in places if len(p.strip()) < 2]
        if short:
            raise ValueError(f"place words of one character match inside other words: {short}")
        return places


class Regions(Strict):
    """``data/faq/regions.yaml``."""

    regions: list[Region] = Field(default_factory=list)
