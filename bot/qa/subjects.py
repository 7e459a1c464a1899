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
from functools import lru_cache

from bot.knowledge import Edition
from bot.textfold import fold_width_case_and_kana

# Shorter pieces (医療, 演習) occur in questions about anything.
MIN_PIECE = 4
# 「スーパービジョン1」 is its first day; 「スーパービジョン 1月」 is a month, 「1日」「1時」 a day and an hour, not an ordinal.
_ORDINAL_AFTER = re.compile(r"^[\s)）]*(?:第)?(\d{1,2})(?![\d月日時年:/／.])")
# Particles a piece may begin or end with (folded to katakana): 「ケアマネジメントの」 is ケアマネジメント, in two
# titles; 「に必要な」 is 必要な, too short to name 「ケアマネジメントに必要な…」. One at each end at most: the same
# letters end words too (ケアマネジメント's ト).
_PARTICLES = "ノニトヲハガデヘヤ"


@dataclass(frozen=True)
class NamedSubjects:
    """The subject ids a question names and, when it numbers one (スーパービジョン1), which of its days."""

    ids: frozenset[str] = frozenset()
    day_number: int | None = None


@lru_cache(maxsize=16)
def _pieces(titles: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    """Every piece of every (folded) title -> the subjects whose title holds it; a pure function of the
    titles, worked out once per curriculum so a question is read with dictionary look-ups."""
    holders: dict[str, set[str]] = {}
    for subject_id, title in titles:
        for start in range(len(title)):
            for end in range(start + 1, len(title) + 1):
                holders.setdefault(title[start:end], set()).add(subject_id)
    return {piece: frozenset(ids) for piece, ids in holders.items()}


def named_subjects(edition: Edition, text: str) -> NamedSubjects:
    """The subjects the (folded or raw) question text names, each by its longest piece."""
    if not edition.curriculum:
        return NamedSubjects()
    asked = fold_width_case_and_kana(text)
    pieces = _pieces(tuple((s.id, fold_width_case_and_kana(s.name.in_locale("ja") or "")) for s in edition.curriculum))
    own_names = [fold_width_case_and_kana(n) for n in (edition.training.name.in_locale("ja") or "",
                                                       *edition.training.aliases)]
    ids: set[str] = set()
    number: int | None = None
    start = 0
    while start < len(asked):
        # Grow a piece from here while some title still holds it: most stop after a character or two.
        best: tuple[int, str] | None = None
        for end in range(start + 1, len(asked) + 1):
            holders = pieces.get(asked[start:end])
            if holders is None:
                break
            core = _without_particles(asked[start:end])
            if len(core) >= MIN_PIECE and len(pieces.get(core, ())) == 1 \
                    and not any(core in name for name in own_names):
                best = (end, next(iter(pieces[core])))
        if best is None:
            start += 1
            continue
        end, subject_id = best
        ids.add(subject_id)
        if (match := _ORDINAL_AFTER.match(asked[end:])) is not None:
            number = int(match.group(1))
        start = end
    return NamedSubjects(frozenset(ids), number if len(ids) == 1 else None)


def _without_particles(piece: str) -> str:
    """The piece without one particle (folded to katakana) at its start and one at its end."""
    if piece[:1] in _PARTICLES:
        piece = piece[1:]
    return piece[:-1] if piece[-1:] in _PARTICLES else piece
