"""The review loop: the questions the bot was unsure about, grouped, and taken off the queue.

As Azure question answering's active learning: the secretariat sees the
"did you mean" and out-of-scope questions (with what the model thought and what
the trainee tapped next), grouped so ten ways of asking one thing are one
decision; assigning a question to an entry writes it into
``data/faq/examples/reviewed.yaml`` (a file to review in git like any data)
and retrains the topic model, so the next such question is answered outright.
A question that needs no example (a typo, a joke, already covered) is marked
handled instead. ``kenshu questions`` and the console's 質問ログ call these.

**Grouping.** A question's group is its ``topic``: the entry the trainee tapped
after it, else the model's best entry for it (its first candidate): the topic model
is the engine's own measure of similarity, trained on every phrasing in data/,
so 「受講票は届きますか」 and 「受講票はメールで届く？」 land on one entry where no
string measure would be sure, and a tap is the trainee saying what they meant.
Unlike clustering the texts, the key is a column, so SQL counts and pages the
groups (cheap with 100,000 followers), a group does not change with what else
is on the page, and the group's decision is the obvious one: "is it this entry?".
Questions the model had no candidate for share one group.
"""

from __future__ import annotations

import fcntl
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import ColumnElement, func, select, update
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


def review_queue(services: Services, page: int = 1, per_page: int = 20) -> ReviewPage:
    """One page of the queue's groups, the largest first (then the most recently asked).

    The groups, their counts and the totals come from one ``GROUP BY topic`` over
    the ``ix_asked_questions_review`` index (window functions count all the groups
    before ``LIMIT``); each group's newest questions are read by index, a few rows
    each, so a page costs about the same whatever the queue's length.
    """
    page = max(1, page)
    count, last = func.count(), func.max(AskedQuestion.asked_at)
    with services.db.session() as session:
        heads = session.execute(
            select(AskedQuestion.topic, count, last, func.count().over(), func.sum(count).over())
            .where(*waiting()).group_by(AskedQuestion.topic)
            .order_by(count.desc(), last.desc(), AskedQuestion.topic)
            .offset((page - 1) * per_page).limit(per_page)).all()
        if heads:
            total_groups, questions = heads[0][3], int(heads[0][4])
        else:  # past the last page (or nothing waiting): the totals without a group to carry them
            total_groups = session.scalar(select(func.count()).select_from(
                select(AskedQuestion.topic).where(*waiting()).group_by(AskedQuestion.topic).subquery())) or 0
            questions = session.scalar(select(func.count()).select_from(AskedQuestion).where(*waiting())) or 0
        items = _newest(session, [head[0] for head in heads])
    groups = [ReviewGroup(topic, n, newest, tuple(items[topic])) for topic, n, newest, _, _ in heads]
    return ReviewPage(groups, total_groups, questions, page, per_page)


def _newest(session: Session, topics: list[str | None]) -> dict[str | None, list[ReviewItem]]:
    """The newest ``SHOWN_PER_GROUP`` waiting questions of each group.

    One small query per group and kind, each the head of one index range
    (kind, not handled, topic, newest first), then one query for their rows.
    """
    newest_first = (AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
    ids: list[int] = []
    for topic in topics:
        about = AskedQuestion.topic.is_(None) if topic is None else AskedQuestion.topic == topic
        for kind in REVIEW_KINDS:
            ids += session.scalars(select(AskedQuestion.id).where(
                AskedQuestion.kind == kind, AskedQuestion.handled_at.is_(None), about)
                .order_by(*newest_first).limit(SHOWN_PER_GROUP)).all()
    found: dict[str | None, list[ReviewItem]] = defaultdict(list)
    for row in session.scalars(select(AskedQuestion).where(AskedQuestion.id.in_(ids)).order_by(*newest_first)):
        if len(found[row.topic]) < SHOWN_PER_GROUP:
            found[row.topic].append(ReviewItem(row.id, row.text, row.kind, row.asked_at, row.probability,
                                               tuple(row.candidates), row.tapped))
    return found


def top_topics(services: Services, days: int = TOPIC_DAYS, limit: int = 10) -> list[tuple[str, int]]:
    """The entries asked about most in the last ``days``: (entry id, questions), most first.

    A question counts for its ``topic`` (the entry answered or asked "which training"
    about, or on "did you mean" the one tapped, else the likely one); out-of-scope
    questions count only when the trainee tapped an entry after them (the model's
    guess is no topic), greetings and the like never.
    """
    since = clock.now() - timedelta(days=days)
    count = func.count()
    guessed = (AskedQuestion.kind == DecisionKind.OUT_OF_SCOPE.value) & AskedQuestion.tapped.is_(None)
    with services.db.session() as session:
        rows = session.execute(
            select(AskedQuestion.topic, count)
            .where(AskedQuestion.asked_at >= since, AskedQuestion.topic.is_not(None), ~guessed)
            .group_by(AskedQuestion.topic).order_by(count.desc(), AskedQuestion.topic).limit(limit)).all()
    return [(topic, n) for topic, n in rows]


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
        _claim(session, actor, question_id)
        record(session, actor, Action.QUESTION_REVIEW, f"question #{question_id}", "handled")


def assign(services: Services, actor: Actor, question_id: int, entry_id: str) -> Assigned:
    """Add the question as an example of the entry (or guard class) in data/, and retrain."""
    if entry_id not in {e.id for e in services.knowledge.faq.entries} and entry_id not in GUARD_LABELS:
        raise UnknownEntry(entry_id)
    with services.db.session() as session:
        row = _claim(session, actor, question_id)
        text, locale, asked_at = row.text, row.locale, row.asked_at
        add_example(services.data_dir, entry_id, text)
        row.assigned_entry_id = entry_id
        record(session, actor, Action.QUESTION_REVIEW, f"question #{question_id}", f"assigned to {entry_id}")
    services.reload_answering()
    reply = services.answerer.answer(Question(text=text, locale=locale, now=asked_at))
    return Assigned(question_id, entry_id, text, reply)


def _claim(session: Session, actor: Actor, question_id: int) -> AskedQuestion:
    """Mark the question handled by ``actor`` unless someone already did: one conditional UPDATE.

    Two clerks (or a clerk and ``kenshu questions``) acting on the same question at
    once: exactly one UPDATE changes the row, the other gets ``AlreadyReviewed``,
    on SQLite as on PostgreSQL, so a question never lands under two entries.
    """
    claimed = session.execute(
        update(AskedQuestion).where(AskedQuestion.id == question_id, AskedQuestion.handled_at.is_(None))
        .values(handled_at=clock.now(), handled_by=actor.name))
    row = session.get(AskedQuestion, question_id, populate_existing=True)
    if row is None:
        raise UnknownQuestion(question_id)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyReviewed(question_id)
    return row


def add_example(data_dir: Path, entry_id: str, text: str) -> None:
    """Append one example to ``reviewed.yaml`` (created when missing), once."""
    path = data_dir / REVIEWED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Clerks on other web workers may add to the same file at the same moment: one at a time
    # (an exclusive lock on a file beside it), and a reader never sees a half-written file.
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        examples: dict[str, list[str]] = {}
        if path.exists():
            examples = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("examples") or {}
        texts = examples.setdefault(entry_id, [])
        if text not in texts:
            texts.append(text)
        body = yaml.safe_dump({"examples": examples}, allow_unicode=True, sort_keys=True, width=1000)
        written = path.with_suffix(".yaml.new")
        written.write_text(_HEADER + body, encoding="utf-8")
        os.replace(written, path)
