"""The trainees (LINE users) as the secretariat sees them: who, in which language, receiving what,
linked to which applications, blocked or not; and deleting one's data at their request.

Lists are counted and paged by SQL, and a page's subscriptions and applications
are read in one query each, so a page costs the same with 100 or 100,000
followers. Deletion is the trainee's own 「データ削除」 (``bot.trainees.deletion``),
done for them; the audit log names the deleted row's number only, never the LINE
id or the display name (nothing may name them afterwards).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.db.tables import Enrolment, LineUser, Subscription
from bot.i18n import Gettext
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.secretariat.searching import contains, page_count
from bot.services import Services
from bot.trainees.deletion import delete_user_data

_LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
SEARCH_CAP = 1_000  # a search matching more than this asks for a narrower one


@dataclass(eq=False)
class NoSuchTrainee(SecretariatError):
    trainee_id: int

    def message(self, _: Gettext) -> str:
        return _("no trainee #{id} (their data may have been deleted already)").format(id=self.trainee_id)


@dataclass(frozen=True)
class Trainee:
    id: int
    display_name: str | None
    locale: str
    blocked: bool
    notices_paused: bool
    followed_at: datetime | None
    subscriptions: list[str]  # training ids
    applications: list[tuple[str, str]]  # (edition id, application number)


@dataclass(frozen=True)
class TraineesPage:
    trainees: list[Trainee]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(min(self.total, SEARCH_CAP), self.per_page)

    @property
    def capped(self) -> bool:
        """The search matched more trainees than it reads: the total is "more than SEARCH_CAP"."""
        return self.total > SEARCH_CAP


def _matching(session: Session, search: str) -> list[ColumnElement[bool]]:
    """Exactly this LINE user id or linked application number (both by index), else names containing the text."""
    text = search.strip()
    if not text:
        return []
    if _LINE_USER_ID.match(text):
        return [LineUser.line_user_id == text]
    linked = session.scalars(select(Enrolment.user_id).where(Enrolment.application_no == text,
                                                              Enrolment.user_id.is_not(None))).all()
    if linked:
        return [LineUser.id.in_(linked)]
    return [contains(LineUser.display_name, text, session.get_bind().dialect.name)]


def _described(session: Session, users: Sequence[LineUser]) -> list[Trainee]:
    """The users with their subscriptions and linked applications: one query each, whatever the count."""
    ids = [user.id for user in users]
    subscriptions: dict[int, list[str]] = defaultdict(list)
    for user_id, training_id in session.execute(select(Subscription.user_id, Subscription.training_id)
                                                .where(Subscription.user_id.in_(ids))
                                                .order_by(Subscription.training_id)):
        subscriptions[user_id].append(training_id)
    applications: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for user_id, edition_id, number in session.execute(
            select(Enrolment.user_id, Enrolment.edition_id, Enrolment.application_no)
            .where(Enrolment.user_id.in_(ids)).order_by(Enrolment.edition_id, Enrolment.application_no)):
        applications[user_id].append((edition_id, number))
    return [Trainee(user.id, user.display_name, user.locale, user.is_blocked, user.notices_paused, user.followed_at,
                    subscriptions[user.id], applications[user.id]) for user in users]


def find(services: Services, search: str = "", page: int = 1, per_page: int = 50) -> TraineesPage:
    """One page of trainees, newest first, with what they receive and what they are linked to.

    Without a search the total is a ``count(*)``. A search by name cannot use an
    index (the text may be anywhere in the name), so the matching ids are read in
    one pass, at most ``SEARCH_CAP`` + 1 of them, and paged from there: one scan
    instead of two (count, then page), and ``total`` says "more than SEARCH_CAP".
    """
    page = max(1, page)
    with services.db.session() as session:
        where = _matching(session, search)
        if not where:
            total = session.scalar(select(func.count()).select_from(LineUser)) or 0
            users = session.scalars(select(LineUser).order_by(LineUser.id.desc())
                                    .offset((page - 1) * per_page).limit(per_page)).all()
            return TraineesPage(_described(session, users), total, page, per_page)
        ids = session.scalars(select(LineUser.id).where(*where).order_by(LineUser.id.desc())
                              .limit(SEARCH_CAP + 1)).all()
        shown = ids[:SEARCH_CAP][(page - 1) * per_page:page * per_page]
        users = session.scalars(select(LineUser).where(LineUser.id.in_(shown)).order_by(LineUser.id.desc())).all()
        return TraineesPage(_described(session, users), len(ids), page, per_page)


def get(services: Services, trainee_id: int) -> Trainee:
    """One trainee (to confirm their deletion)."""
    with services.db.session() as session:
        user = session.get(LineUser, trainee_id)
        if user is None:
            raise NoSuchTrainee(trainee_id)
        return _described(session, [user])[0]


def delete(services: Services, actor: Actor, trainee_id: int) -> None:
    """Delete everything the bot holds about this trainee, as 「データ削除」 does, and audit it."""
    with services.db.session() as session:
        user = session.get(LineUser, trainee_id)
        if user is None:
            raise NoSuchTrainee(trainee_id)
        delete_user_data(session, user)
        record(session, actor, Action.DELETION, f"trainee #{trainee_id}", "at the trainee's request")
