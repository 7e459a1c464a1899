"""The review loop: the questions the bot was unsure about, grouped, and adding one as an example.

As Azure question answering's active learning: the secretariat sees the
"did you mean" and out-of-scope questions (with what the model thought and what
the trainee tapped next), grouped by similarity so ten ways of asking one thing
are one decision; assigning a question to an entry writes it into
``data/faq/examples/reviewed.yaml`` (a file to review in git like any data)
and retrains the topic model, so the next such question is answered outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.db.tables import AskedQuestion
from bot.i18n import Gettext
from bot.knowledge.faq import GUARD_LABELS
from bot.qa import DecisionKind, Question, Reply
from bot.secretariat.errors import SecretariatError
from bot.services import Services
from bot.textfold import fold_width_and_case, hiragana_to_katakana

_HIRAGANA = re.compile(r"[\u3041-\u309f]+")
REVIEWED_FILE = Path("faq") / "examples" / "reviewed.yaml"
REVIEW_KINDS = (DecisionKind.DID_YOU_MEAN.value, DecisionKind.OUT_OF_SCOPE.value)
# Two questions sharing this share of their character bigrams are one group.
SIMILAR = 0.35
_HEADER = (
    "# Questions the secretariat assigned to an entry with `kenshu questions assign`\n"
    "# (or the console), as examples for the topic model. Written by the tool: edit\n"
    "# freely, the format is the same as every file in this folder.\n"
)


@dataclass(eq=False)
class UnknownQuestion(SecretariatError):
    question_id: int

    def message(self, _: Gettext) -> str:
        return _("no question {id}").format(id=self.question_id)


@dataclass(eq=False)
class UnknownEntry(SecretariatError):
    entry_id: str

    def message(self, _: Gettext) -> str:
        return _("no FAQ entry {entry}").format(entry=self.entry_id)


@dataclass(frozen=True)
class ReviewItem:
    id: int
    text: str
    kind: str
    asked_at: datetime
    probability: float
    candidates: tuple[str, ...]  # what the model thought, best first
    tapped: str | None  # what the trainee chose next, if anything


@dataclass(frozen=True)
class ReviewGroup:
    """Questions that look alike; ``suggested`` is the entry their taps or the model point to."""

    items: tuple[ReviewItem, ...]
    suggested: str | None


@dataclass(frozen=True)
class Assigned:
    question_id: int
    entry_id: str
    text: str
    reply: Reply  # how the retrained model answers the question now


def review_queue(services: Services, limit: int = 200) -> list[ReviewGroup]:
    """Unassigned "did you mean" and out-of-scope questions, newest first, grouped by similarity."""
    with services.db.session() as session:
        rows = session.scalars(
            select(AskedQuestion)
            .where(AskedQuestion.kind.in_(REVIEW_KINDS), AskedQuestion.assigned_entry_id.is_(None))
            .order_by(AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
            .limit(limit)
        ).all()
        items = [ReviewItem(r.id, r.text, r.kind, r.asked_at, r.probability, tuple(r.candidates), r.tapped)
                 for r in rows]
    return group_by_similarity(items)


def group_by_similarity(items: list[ReviewItem]) -> list[ReviewGroup]:
    """Greedy grouping: each question joins the first group whose first question it resembles."""
    groups: list[list[ReviewItem]] = []
    keys: list[set[str]] = []
    for item in items:
        grams = _bigrams(item.text)
        for members, key in zip(groups, keys, strict=True):
            if _overlap(grams, key) >= SIMILAR:
                members.append(item)
                break
        else:
            groups.append([item])
            keys.append(grams)
    groups.sort(key=len, reverse=True)
    return [ReviewGroup(tuple(members), _suggestion(members)) for members in groups]


def assign(services: Services, question_id: int, entry_id: str) -> Assigned:
    """Add the question as an example of the entry (or guard class) in data/, and retrain."""
    if entry_id not in {e.id for e in services.knowledge.faq.entries} and entry_id not in GUARD_LABELS:
        raise UnknownEntry(entry_id)
    with services.db.session() as session:
        row = session.get(AskedQuestion, question_id)
        if row is None:
            raise UnknownQuestion(question_id)
        text, locale, asked_at = row.text, row.locale, row.asked_at
        add_example(services.data_dir, entry_id, text)
        row.assigned_entry_id = entry_id
    services.reload_answering()
    reply = services.answerer.answer(Question(text=text, locale=locale, now=asked_at))
    return Assigned(question_id, entry_id, text, reply)


def add_example(data_dir: Path, entry_id: str, text: str) -> None:
    """Append one example to ``reviewed.yaml`` (created when missing), once."""
    path = data_dir / REVIEWED_FILE
    examples: dict[str, list[str]] = {}
    if path.exists():
        examples = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("examples") or {}
    texts = examples.setdefault(entry_id, [])
    if text not in texts:
        texts.append(text)
    body = yaml.safe_dump({"examples": examples}, allow_unicode=True, sort_keys=True, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_HEADER + body, encoding="utf-8")


def _suggestion(members: list[ReviewItem]) -> str | None:
    taps = [m.tapped for m in members if m.tapped]
    if taps:
        return max(set(taps), key=taps.count)
    firsts = [m.candidates[0] for m in members if m.candidates]
    return max(set(firsts), key=firsts.count) if firsts else None


def _bigrams(text: str) -> set[str]:
    """Bigrams of the content characters: hiragana (particles, endings) left out unless that leaves nothing,
    so 「受講票は届きますか」 and 「受講票はいつ届く」 meet on 受講票・届."""
    plain = "".join(fold_width_and_case(text).split())
    content = _HIRAGANA.sub("", plain)
    folded = hiragana_to_katakana(content if len(content) >= 2 else plain)
    return {folded[i:i + 2] for i in range(len(folded) - 1)} or {folded}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
