"""The review loop: the questions the bot was unsure about, grouped, and taken off the queue.

As Azure question answering's active learning: the secretariat sees the
"did you mean" and out-of-scope questions (with what the model thought and what
the trainee tapped next), grouped so ten ways of asking one thing are one
decision; assigning a question to an entry writes it into
``data/faq/examples/reviewed.yaml`` (a file to review in git like any data)
and retrains the topic model, so the next such question is answered outright.
A question that needs no example (a typo, a joke, already covered) is marked
handled instead. ``kenshu questions`` and the console's 質問ログ call these.

**Grouping.** A question's group is the entry the trainee tapped after it, else
the model's best entry for it (``topic``, its first candidate): the topic model
is the engine's own measure of similarity, trained on every phrasing in data/,
so 「受講票は届きますか」 and 「受講票はいつ届く」 land on one entry where no
string measure would be sure, and a tap is the trainee saying what they meant.
Unlike clustering the texts, the key is a column, so SQL counts and pages the
groups (cheap with 100,000 followers), a group does not change with what else
is on the page, and the group's decision is the obvious one: "is it this entry?".
Questions the model had no candidate for share one group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.db.tables import AskedQuestion
from bot.i18n import Gettext
from bot.knowledge.faq import CLINICAL_LABEL, GUARD_LABELS, OUT_OF_SCOPE_LABEL
from bot.qa import DecisionKind, Question, Reply
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.secretariat.searching import page_count
from bot.services import Services

REVIEWED_FILE = Path("faq") / "examples" / "reviewed.yaml"
REVIEW_KINDS = (DecisionKind.DID_YOU_MEAN.value, DecisionKind.OUT_OF_SCOPE.value)
SHOWN_PER_GROUP = 5  # a group lists its newest questions; the count says how many there are
TOPIC_DAYS = 7  # "the most asked topics this week"
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


@dataclass(eq=False)
class AlreadyReviewed(SecretariatError):
    """Another clerk (or the CLI) took the question off the queue first."""

    question_id: int

    def message(self, _: Gettext) -> str:
        return _("Question #{id} was already assigned or marked handled.").format(id=self.question_id)


@dataclass(frozen=True)
class ReviewItem:
    id: int
    text: str
    kind: str
    asked_at: datetime
    probability: float
    candidates: tuple[str, ...]  # what the model thought, best first (offered to the trainee on "did you mean")
    tapped: str | None  # what the trainee chose next, if anything


@dataclass(frozen=True)
class ReviewGroup:
    """The waiting questions about one entry: how many, the newest asked, and the newest few."""

    topic: str | None  # the entry tapped or the model's best; None: the model had no candidate
    count: int
    last_asked_at: datetime
    items: tuple[ReviewItem, ...]

    @property
    def suggested(self) -> str | None:
        """The entry to offer first when assigning: the group's own."""
        return self.topic


@dataclass(frozen=True)
class ReviewPage:
    groups: list[ReviewGroup]
    total_groups: int
    waiting: int  # questions in the queue, all groups
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total_groups, self.per_page)


@dataclass(frozen=True)
class Assigned:
    question_id: int
    entry_id: str
    text: str
    reply: Reply  # how the retrained model answers the question now


def waiting() -> tuple[ColumnElement[bool], ...]:
    """The review queue: "did you mean" and out-of-scope questions nobody has assigned or handled."""
    return AskedQuestion.kind.in_(REVIEW_KINDS), AskedQuestion.handled_at.is_(None)


def _group_key() -> ColumnElement[str | None]:
    return func.coalesce(AskedQuestion.tapped, AskedQuestion.topic)


def review_queue(services: Services, page: int = 1, per_page: int = 20) -> ReviewPage:
    """One page of the queue's groups, the largest first (then the most recently asked).

    Three queries whatever the queue's length: the counts, the page's groups
    (``GROUP BY`` the key), and their newest ``SHOWN_PER_GROUP`` questions each
    (a window function numbers each group's questions).
    """
    page = max(1, page)
    key = _group_key()
    count, last = func.count(), func.max(AskedQuestion.asked_at)
    with services.db.session() as session:
        keys = select(key.label("topic")).where(*waiting()).group_by(key).subquery()
        total_groups = session.scalar(select(func.count()).select_from(keys)) or 0
        questions = session.scalar(select(func.count()).select_from(AskedQuestion).where(*waiting())) or 0
        heads = session.execute(
            select(key, count, last).where(*waiting()).group_by(key)
            .order_by(count.desc(), last.desc(), key).offset((page - 1) * per_page).limit(per_page)).all()
        items = _newest(session, [topic for topic, _, _ in heads])
    groups = [ReviewGroup(topic, n, newest, tuple(items[topic])) for topic, n, newest in heads]
    return ReviewPage(groups, total_groups, questions, page, per_page)


def _newest(session: Session, topics: list[str | None]) -> dict[str | None, list[ReviewItem]]:
    """The newest ``SHOWN_PER_GROUP`` waiting questions of each group, in one query."""
    if not topics:
        return {}
    key = _group_key()
    named = [t for t in topics if t is not None]
    in_groups = key.in_(named) | key.is_(None) if None in topics else key.in_(named)
    order = (AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
    numbered = select(AskedQuestion.id, key.label("topic"),
                      func.row_number().over(partition_by=key, order_by=order).label("n")) \
        .where(*waiting(), in_groups).subquery()
    rows = session.execute(
        select(AskedQuestion, numbered.c.topic).join(numbered, numbered.c.id == AskedQuestion.id)
        .where(numbered.c.n <= SHOWN_PER_GROUP).order_by(*order)).all()
    found: dict[str | None, list[ReviewItem]] = defaultdict(list)
    for row, topic in rows:
        found[topic].append(ReviewItem(row.id, row.text, row.kind, row.asked_at, row.probability,
                                       tuple(row.candidates), row.tapped))
    return found


def top_topics(services: Services, days: int = TOPIC_DAYS, limit: int = 10) -> list[tuple[str, int]]:
    """The entries asked about most in the last ``days``: (entry id, questions), most first.

    A question's entry is the one answered (or asked "which training" about),
    or on "did you mean" the one the trainee tapped, else the likely one; a
    question with neither (out of scope untapped, greetings) counts for none.
    """
    about = case((AskedQuestion.kind.in_(REVIEW_KINDS), func.coalesce(AskedQuestion.tapped, AskedQuestion.entry_id)),
                 else_=AskedQuestion.entry_id)
    since = clock.now() - timedelta(days=days)
    with services.db.session() as session:
        asked = select(about.label("entry_id")).where(AskedQuestion.asked_at >= since).subquery()
        count = func.count()
        rows = session.execute(select(asked.c.entry_id, count).where(asked.c.entry_id.is_not(None))
                               .group_by(asked.c.entry_id).order_by(count.desc(), asked.c.entry_id)
                               .limit(limit)).all()
    return [(entry_id, n) for entry_id, n in rows]


def entry_title(services: Services, entry_id: str, _: Gettext) -> str:
    """An entry as a clerk reads it: its quick-reply label in their language (the id if data/ dropped it)."""
    if entry_id == CLINICAL_LABEL:
        return _("(treatment question: refer to a doctor)")
    if entry_id == OUT_OF_SCOPE_LABEL:
        return _("(not about the trainings)")
    entry = next((e for e in services.knowledge.faq.entries if e.id == entry_id), None)
    return _(entry.ask) if entry else entry_id


def assignable(services: Services, _: Gettext) -> list[tuple[str, str]]:
    """Every entry a question may be assigned to, as (id, title): the FAQ entries, then the guard classes."""
    entries = sorted(((e.id, entry_title(services, e.id, _)) for e in services.knowledge.faq.entries),
                     key=lambda pair: pair[1])
    return entries + [(label, entry_title(services, label, _)) for label in GUARD_LABELS]


def handle(services: Services, actor: Actor, question_id: int) -> None:
    """Take a question off the queue without an example (nothing to learn from it)."""
    with services.db.session() as session:
        row = _waiting_row(session, question_id)
        row.handled_at, row.handled_by = clock.now(), actor.name
        record(session, actor, Action.QUESTION_REVIEW, f"question #{question_id}", "handled")


def assign(services: Services, actor: Actor, question_id: int, entry_id: str) -> Assigned:
    """Add the question as an example of the entry (or guard class) in data/, and retrain."""
    if entry_id not in {e.id for e in services.knowledge.faq.entries} and entry_id not in GUARD_LABELS:
        raise UnknownEntry(entry_id)
    with services.db.session() as session:
        row = _waiting_row(session, question_id)
        text, locale, asked_at = row.text, row.locale, row.asked_at
        add_example(services.data_dir, entry_id, text)
        row.assigned_entry_id = entry_id
        row.handled_at, row.handled_by = clock.now(), actor.name
        record(session, actor, Action.QUESTION_REVIEW, f"question #{question_id}", f"assigned to {entry_id}")
    services.reload_answering()
    reply = services.answerer.answer(Question(text=text, locale=locale, now=asked_at))
    return Assigned(question_id, entry_id, text, reply)


def _waiting_row(session: Session, question_id: int) -> AskedQuestion:
    """The question, locked for this transaction where the database can, refused once reviewed."""
    row = session.scalars(select(AskedQuestion).where(AskedQuestion.id == question_id).with_for_update()).first()
    if row is None:
        raise UnknownQuestion(question_id)
    if row.handled_at is not None:
        raise AlreadyReviewed(question_id)
    return row


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
