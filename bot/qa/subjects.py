"""Which of an edition's curriculum subjects a question names (「スーパービジョン1は何日」, 「医療との連携の演習日」).

Trainees name a subject by a piece of its title, never the whole of
「ケアマネジメントに必要な医療との連携及び多職種協働の実現」. A piece names a subject
when it is long enough to mean something (four characters or more), belongs
to that subject's title alone (ケアマネジメント is in two titles, so it names
neither) and is not part of the training's own names (主任介護支援専門員 is an
alias, not subject (1)). Titles come from the edition, so a new curriculum
needs no code change. A number right after the piece (スーパービジョン1, ２回目)
picks that day among the subject's days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import Edition
from bot.textfold import fold_width_case_and_kana

# Shorter pieces (医療, 演習) occur in questions about anything.
MIN_PIECE = 4
_ORDINAL_AFTER = re.compile(r"^[\s)）]*(?:第)?(\d{1,2})")


@dataclass(frozen=True)
class NamedSubjects:
    """The subject ids a question names and, when it numbers one (スーパービジョン1), which of its days."""

    ids: frozenset[str] = frozenset()
    day_number: int | None = None


def named_subjects(edition: Edition, text: str) -> NamedSubjects:
    """The subjects the (folded or raw) question text names, longest piece first."""
    if not edition.curriculum:
        return NamedSubjects()
    asked = fold_width_case_and_kana(text)
    titles = {s.id: fold_width_case_and_kana(s.name.in_locale("ja") or "") for s in edition.curriculum}
    own_names = [fold_width_case_and_kana(n) for n in (edition.training.name.in_locale("ja") or "",
                                                       *edition.training.aliases)]
    ids: set[str] = set()
    number: int | None = None
    covered: list[tuple[int, int]] = []
    for length in range(len(asked), MIN_PIECE - 1, -1):
        for start in range(len(asked) - length + 1):
            if any(s <= start and start + length <= e for s, e in covered):
                continue
            piece = asked[start:start + length]
            holders = [sid for sid, title in titles.items() if piece in title]
            if len(holders) != 1 or any(piece in name for name in own_names):
                continue
            ids.add(holders[0])
            covered.append((start, start + length))
            if (match := _ORDINAL_AFTER.match(asked[start + length:])) is not None:
                number = int(match.group(1))
    return NamedSubjects(frozenset(ids), number if len(ids) == 1 else None)
