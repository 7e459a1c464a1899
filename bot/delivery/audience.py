"""Who a dispatch goes to: audience strings parsed, validated and streamed from the database.

An audience is stored on the dispatch as text (``all``, ``training:ID``,
``edition:ID``, ``course:ID``, ``prospects:EDITION_ID``, or ``user:ROW_ID`` for
one trainee's own request, such as their joining details sent again) so a resumed
send asks the same question again. Recipients are read in user-id order one page at a
time (keyset pagination), so a send to 100,000 users never holds more than one
page in memory, and a resume continues after the last user already planned.

Blocked users and users who paused notices are part of the stream (the ledger
records them as skipped, which answers "why did X not get it?"), but are not
counted as receivers when estimating quota.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from bot.db.tables import Enrolment, LineUser, Subscription, UserStatus
from bot.knowledge import Knowledge

KINDS = ("all", "training", "edition", "course", "prospects", "user")


BLOCKED_REASON = "blocked the bot"
PAUSED_REASON = "notices paused"


class AudienceError(ValueError):
    """The audience text is malformed or names a training, edition or course that does not exist."""


@dataclass(frozen=True)
class Recipient:
    """One user of the audience, with what the sender needs to decide and address."""

    user_id: int
    line_user_id: str
    blocked: bool
    paused: bool

    @property
    def skip_reason(self) -> str | None:
        if self.blocked:
            return BLOCKED_REASON
        if self.paused:
            return PAUSED_REASON
        return None


def skip_reason_column(status: ColumnElement[str], paused: ColumnElement[bool]) -> ColumnElement[str | None]:
    """``Recipient.skip_reason`` computed by the database, for ledger rows planned in SQL."""
    return case((status == UserStatus.BLOCKED, BLOCKED_REASON), (paused.is_(True), PAUSED_REASON), else_=None)


@dataclass(frozen=True)
class Audience:
    """A parsed audience; ``ids`` are the course ids a course audience covers (with sub-courses)."""

    kind: str
    target: str | None = None
    training_id: str | None = None
    ids: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.kind if self.target is None else f"{self.kind}:{self.target}"

    def _members(self, after_user_id: int = 0) -> tuple[Select[tuple[int]] | None, Select[tuple[int]] | None]:
        """The ids of the users this audience takes in, and of those it leaves out (``None``: no such set).

        The one definition of who belongs; ``_membership`` and ``_membership_by_ids``
        ask it in the shape each use needs. ``after_user_id`` is repeated inside each
        subquery: PostgreSQL does not carry ``line_users.id > N`` over to the other
        table, and would otherwise scan the audience's rows from the first user for
        every page (a send quadratic in its size).
        """
        subscribed = select(Subscription.user_id).where(Subscription.user_id > after_user_id)
        enrolled = select(Enrolment.user_id).where(Enrolment.user_id > after_user_id)
        if self.kind == "training":
            return subscribed.where(Subscription.training_id == self.target), None
        if self.kind == "edition":
            return enrolled.where(Enrolment.edition_id == self.target), None
        if self.kind == "course":
            return enrolled.where(Enrolment.course_id.in_(self.ids)), None
        if self.kind == "prospects":
            # Interested in the training, not (yet) linked to an application of this edition.
            return (subscribed.where(Subscription.training_id == self.training_id),
                    enrolled.where(Enrolment.edition_id == self.target))
        return None, None

    def _membership(self, after_user_id: int = 0) -> ColumnElement[bool]:
        """The condition a user row meets to belong to this audience (status aside), as correlated EXISTS.

        For walking the users in id order (a send's pages): the database reads
        ``line_users`` from ``after_user_id`` on and stops at the page's end.
        """
        if self.kind == "user":
            return LineUser.id == int(self.target or 0)
        included, excluded = self._members(after_user_id)
        conditions = [LineUser.id.is_not(None)]
        if included is not None:
            conditions.append(included.where(included.selected_columns[0] == LineUser.id).exists())
        if excluded is not None:
            conditions.append(~excluded.where(excluded.selected_columns[0] == LineUser.id).exists())
        return and_(*conditions)

    def _membership_by_ids(self) -> ColumnElement[bool]:
        """The same condition as ``id IN (...)``, for counting a whole audience.

        A count reads every member, so it is cheaper to start from the (indexed)
        subscriptions or applications than to test each of 100,000 users: on SQLite
        an EXISTS per user costs 30-80 ms per audience where the list costs 1-30.
        """
        if self.kind == "user":
            return LineUser.id == int(self.target or 0)
        included, excluded = self._members()
        conditions = [LineUser.id.is_not(None)]
        if included is not None:
            conditions.append(LineUser.id.in_(included))
        if excluded is not None:  # holds no NULL (``user_id > 0``), which would make NOT IN leave out everyone
            conditions.append(LineUser.id.not_in(excluded))
        return and_(*conditions)

    def count_receivers(self, session: Session) -> int:
        """How many users would actually receive a send now (blocked and paused excluded)."""
        return session.scalar(select(func.count()).select_from(LineUser).where(
            self._membership_by_ids(), LineUser.status == UserStatus.ACTIVE, LineUser.notices_paused.is_(False))) or 0

    def count_members(self, session: Session) -> int:
        """Everyone in the audience now, blocked and paused too: the ledger rows a send to it will have."""
        return session.scalar(select(func.count()).select_from(LineUser).where(self._membership_by_ids())) or 0

    def page_query(self, after_user_id: int, size: int) -> Select[tuple[int, str, str, bool]]:
        """The next ``size`` users after ``after_user_id`` in id order (keyset pagination).

        Each page is its own short query, so a long send holds no transaction open
        and memory stays one page however large the audience is.
        """
        # What one trainee asked for is no notice: pausing notices does not hold it back.
        paused = literal(False) if self.kind == "user" else LineUser.notices_paused
        return (
            select(LineUser.id, LineUser.line_user_id, LineUser.status, paused.label("notices_paused"))
            .where(self._membership(after_user_id), LineUser.id > after_user_id)
            .order_by(LineUser.id)
            .limit(size)
        )

    def page(self, session: Session, after_user_id: int, size: int) -> list[Recipient]:
        """``page_query`` read as recipients."""
        rows = session.execute(self.page_query(after_user_id, size)).all()
        return [Recipient(row[0], row[1], row[2] == UserStatus.BLOCKED, bool(row[3])) for row in rows]


def parse_audience(text: str, knowledge: Knowledge) -> Audience:
    """``all`` or ``KIND:ID``, with the id checked against the training knowledge."""
    kind, _, target = text.strip().partition(":")
    kind, target = kind.strip(), target.strip()
    if kind == "all" and not target:
        return Audience("all")
    if kind not in KINDS or kind == "all" or not target:
        raise AudienceError(
            f"unknown audience {text!r}: use all, training:ID, edition:ID, course:ID or prospects:EDITION_ID"
        )
    if kind == "user":
        if not target.isdigit():
            raise AudienceError(f"user audience {text!r} needs a user row id")
        return Audience(kind, target)
    if kind == "training":
        if target not in knowledge.trainings:
            raise AudienceError(f"no training {target!r} (known: {', '.join(sorted(knowledge.trainings))})")
        return Audience(kind, target)
    if kind in ("edition", "prospects"):
        if target not in knowledge.editions:
            raise AudienceError(f"no edition {target!r} (known: {', '.join(sorted(knowledge.editions))})")
        return Audience(kind, target, training_id=knowledge.edition(target).training.id)
    try:
        course = knowledge.course(target)
    except KeyError:
        raise AudienceError(f"no course {target!r} in any edition") from None
    return Audience(kind, target, ids=tuple(c.id for c in course.walk()))
