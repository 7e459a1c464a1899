"""Which one of several dated things a question means: the first, the last or the next.

「今年度最後のECMO研修」 is the last session day, 「次の東京の回」 the next one there;
courses that run on their own days (主任研修 A-D) each have their own first, last and next.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from bot.knowledge.time_words import Ordinal

T = TypeVar("T")


def pick(items: list[T], ordinal: Ordinal | None, today: date, day_of: Callable[[T], date],
         group_of: Callable[[T], Hashable] = lambda _: None) -> list[T]:
    """The items the ordinal means, one per group, in the order given; all of them when there is none.

    The next one is the first not yet past; when every one is past, the last (its line says it is over).
    """
    if ordinal is None:
        return items
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(group_of(item), []).append(item)
    chosen: list[T] = []
    for members in groups.values():
        ordered = sorted(members, key=day_of)
        if ordinal is Ordinal.FIRST:
            chosen.append(ordered[0])
        elif ordinal is Ordinal.LAST:
            chosen.append(ordered[-1])
        else:
            chosen.append(next((m for m in ordered if day_of(m) >= today), ordered[-1]))
    return [item for item in items if any(item is c for c in chosen)]
