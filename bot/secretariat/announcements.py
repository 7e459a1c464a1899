"""Announcements to trainees: reach and quota first, then sent now or stored for a set time.

``prepare`` answers "how many would receive it, what does it cost, does it fit
this month's quota?" without storing anything (a dry run is just that).
``create`` stores the dispatch (refusing to exceed the quota unless forced);
``send`` sends it, or finishes one whose process died; ``run_due`` sends the
scheduled ones whose time has come. All of it goes through the delivery
engine, so a send is never made twice to one trainee.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import clock
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.tables import ConsoleUser, Delivery, DeliveryStatus, Dispatch, DispatchStatus
from bot.delivery import (
    Audience,
    AudienceError,
    ContentError,
    DispatchBusy,
    DispatchError,
    QuotaCheck,
    Tally,
    check_quota,
    create_dispatch,
    ledger,
    parse_audience,
    run_dispatch,
    scheduled,
    text_content,
)
from bot.delivery import cancel as cancel_dispatch
from bot.delivery.engine import STALLED_AFTER
from bot.delivery import run_due as run_due_dispatches
from bot.delivery.content import (
    MAX_QUICK_REPLIES,
    MAX_QUICK_REPLY_LABEL_CHARS,
    MAX_QUICK_REPLY_TEXT_CHARS,
    MAX_TEXT_CHARS,
    message_count,
)
from bot.i18n import Gettext
from bot.knowledge import Knowledge
from bot.line.gateway import LineApiError
from bot.secretariat.audit import Action, Actor, record
from bot.secretariat.errors import SecretariatError
from bot.services import Services

KIND = "announcement"
TEST_KIND = "announcement_test"  # a draft sent to the clerk's own LINE account


@dataclass(eq=False)
class UnknownAudience(SecretariatError):
    """The audience text is malformed, or names a training, edition or course that does not exist."""

    text: str
    missing: str | None = None  # "training", "edition" or "course": the kind of id not found; None: malformed
    target: str = ""
    known: tuple[str, ...] = ()

    def message(self, _: Gettext) -> str:
        known = ", ".join(self.known)
        if self.missing == "training":
            return _("no training {training} (known: {known})").format(training=self.target, known=known)
        if self.missing == "edition":
            return _("unknown edition {edition} (known: {known})").format(edition=self.target, known=known)
        if self.missing == "course":
            return _("no course {course} in any edition").format(course=self.target)
        return _("unknown audience {audience}: use all, training:ID, edition:ID, course:ID or "
                 "prospects:EDITION_ID").format(audience=self.text)


@dataclass(eq=False)
class EmptyText(SecretariatError):
    def message(self, _: Gettext) -> str:
        return _("the announcement text is empty")


@dataclass(eq=False)
class TextTooLong(SecretariatError):
    length: int
    limit: int = MAX_TEXT_CHARS

    def message(self, _: Gettext) -> str:
        return _("the text has {length} characters; LINE accepts at most {limit}").format(
            length=self.length, limit=self.limit)


@dataclass(eq=False)
class TooManyQuickReplies(SecretariatError):
    count: int
    limit: int = MAX_QUICK_REPLIES

    def message(self, _: Gettext) -> str:
        return _("{count} quick-reply buttons; LINE shows at most {limit}").format(count=self.count, limit=self.limit)


@dataclass(eq=False)
class QuickReplyLabelTooLong(SecretariatError):
    label: str
    limit: int = MAX_QUICK_REPLY_LABEL_CHARS

    def message(self, _: Gettext) -> str:
        return _("the quick-reply button {label} is over {limit} characters").format(label=self.label,
                                                                                   limit=self.limit)


@dataclass(eq=False)
class QuickReplyTextTooLong(SecretariatError):
    label: str
    limit: int = MAX_QUICK_REPLY_TEXT_CHARS

    def message(self, _: Gettext) -> str:
        return _("the text the quick-reply button {label} sends is over {limit} characters").format(
            label=self.label, limit=self.limit)


@dataclass(eq=False)
class TimeHasPassed(SecretariatError):
    at: datetime

    def message(self, _: Gettext) -> str:
        at = self.at.astimezone(clock.JST)
        return _("{time} (Japan time) has already passed").format(time=f"{at:%Y-%m-%d %H:%M}")


@dataclass(eq=False)
class QuotaUnavailable(SecretariatError):
    """LINE could not say how much of this month's quota remains, so nothing was sent."""

    detail: str

    def message(self, _: Gettext) -> str:
        return _("could not read this month's quota from LINE ({error}); nothing sent").format(error=self.detail)


@dataclass(eq=False)
class OverQuota(SecretariatError):
    needed: int
    remaining: int

    def message(self, _: Gettext) -> str:
        return _("this needs {needed} messages but only {remaining} remain this month; nothing sent").format(
            needed=self.needed, remaining=self.remaining)


@dataclass(eq=False)
class LineNotLinked(SecretariatError):
    """A test send goes to the clerk's own LINE account, which is not linked yet."""

    def message(self, _: Gettext) -> str:
        return _("link your own LINE account first: issue a code on the announcements page and send it to the bot")


@dataclass(eq=False)
class NoSuchAnnouncement(SecretariatError):
    dispatch_id: int

    def message(self, _: Gettext) -> str:
        return _("no announcement #{id}").format(id=self.dispatch_id)


@dataclass(eq=False)
class NoSuchDispatch(SecretariatError):
    dispatch_id: int

    def message(self, _: Gettext) -> str:
        return _("no send #{id}").format(id=self.dispatch_id)


@dataclass(eq=False)
class NotCancellable(SecretariatError):
    """Only a dispatch still waiting for its time can be cancelled; one sending or sent cannot be recalled."""

    dispatch_id: int
    status: DispatchStatus

    def message(self, _: Gettext) -> str:
        states = {
            DispatchStatus.SENDING: _("being sent"),
            DispatchStatus.DONE: _("already sent"),
            DispatchStatus.CANCELLED: _("already cancelled"),
        }
        return _("#{id} is {state} and cannot be cancelled").format(
            id=self.dispatch_id, state=states.get(self.status, self.status))


@dataclass(eq=False)
class SendInProgress(SecretariatError):
    dispatch_id: int

    def message(self, _: Gettext) -> str:
        return _("#{id} is being sent by another process; leave it to that one").format(id=self.dispatch_id)


@dataclass(eq=False)
class TakenOver(SecretariatError):
    """A send this command created was claimed by another process (a resume, run-due) before it could."""

    dispatch_id: int

    def message(self, _: Gettext) -> str:
        return _("#{id} was taken over by another process; this command did not finish it").format(
            id=self.dispatch_id)


@dataclass(eq=False)
class CannotSend(SecretariatError):
    """A stored dispatch that cannot be sent as stored (its renderer is unknown, for one)."""

    dispatch_id: int
    detail: str

    def message(self, _: Gettext) -> str:
        return _("#{id} cannot be sent: {reason}").format(id=self.dispatch_id, reason=self.detail)


@dataclass(frozen=True)
class QuickReply:
    """A button under the announcement; tapping it sends ``text`` as the trainee's message, which the bot answers."""

    label: str
    text: str


def quick_replies_of(lines: Iterable[str]) -> tuple[QuickReply, ...]:
    """Quick replies as a clerk writes them, one a line: ``label`` (sends the label) or ``label | text``.

    Checked against LINE's limits (13 buttons, labels of 20 characters, texts of 300).
    """
    replies = []
    for line in lines:
        label, _bar, text = line.replace("｜", "|").partition("|")
        label, text = label.strip(), text.strip()
        if label:
            replies.append(QuickReply(label, text or label))
    return check_quick_replies(replies)


def check_quick_replies(replies: Sequence[QuickReply]) -> tuple[QuickReply, ...]:
    """The quick replies, refused with the clerk's error when LINE would refuse them."""
    if len(replies) > MAX_QUICK_REPLIES:
        raise TooManyQuickReplies(len(replies))
    for reply in replies:
        if len(reply.label) > MAX_QUICK_REPLY_LABEL_CHARS:
            raise QuickReplyLabelTooLong(reply.label)
        if len(reply.text) > MAX_QUICK_REPLY_TEXT_CHARS:
            raise QuickReplyTextTooLong(reply.label)
    return tuple(replies)


@dataclass(frozen=True)
class Draft:
    """An announcement checked and costed, not yet stored: what a dry run shows."""

    audience: Audience
    content: dict[str, Any]
    at: datetime | None  # None: now
    quota: QuotaCheck

    @property
    def receivers(self) -> int:
        return self.quota.receivers


@dataclass(frozen=True)
class SendReport:
    """Where a send stands after running it, from its ledger."""

    dispatch_id: int
    tally: Tally
    failures: list[tuple[str, int]]  # LINE's error message and how many deliveries it failed
    resendable: int = 0  # failed in a way a re-send may fix (LINE down, a bug since fixed): a resume re-sends them


@dataclass(frozen=True)
class ScheduledAnnouncement:
    dispatch_id: int
    at: datetime  # Japan time
    audience: str
    text: str


def audience_of(knowledge: Knowledge, text: str) -> Audience:
    """The audience a clerk typed (``all``, ``training:ID``...), checked against the training data.

    ``user:ID`` is the engine's audience for one trainee's own request, never an announcement's.
    """
    try:
        audience = parse_audience(text, knowledge)
    except AudienceError:
        raise _unknown_audience(knowledge, text) from None
    if audience.kind == "user":
        raise _unknown_audience(knowledge, text)
    return audience


def _unknown_audience(knowledge: Knowledge, text: str) -> UnknownAudience:
    """Why the delivery engine refused ``text``, with the ids the clerk may have meant."""
    kind, _sep, target = (part.strip() for part in text.strip().partition(":"))
    if target and kind == "training" and target not in knowledge.trainings:
        return UnknownAudience(text, "training", target, tuple(sorted(knowledge.trainings)))
    if target and kind in ("edition", "prospects") and target not in knowledge.editions:
        return UnknownAudience(text, "edition", target, tuple(sorted(knowledge.editions)))
    if target and kind == "course":
        return UnknownAudience(text, "course", target)
    return UnknownAudience(text)


def _content(text: str, quick_replies: Sequence[QuickReply] = ()) -> dict[str, Any]:
    if not text.strip():
        raise EmptyText()
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(len(text))
    return text_content(text, [(reply.label, reply.text) for reply in check_quick_replies(quick_replies)])


def _require_future(at: datetime | None) -> None:
    if at is not None and at <= clock.now():
        raise TimeHasPassed(at)


def reach(services: Services, audience: str, messages_each: int = 1) -> QuotaCheck:
    """How many the audience reaches now (blocked and paused excluded) and what that costs of the quota."""
    parsed = audience_of(services.knowledge, audience)
    with services.db.session() as session:
        receivers = parsed.count_receivers(session)
    try:
        return check_quota(services.line, receivers, messages_each)
    except LineApiError as error:
        raise QuotaUnavailable(str(error)) from None


def prepare(services: Services, audience: str, text: str, at: datetime | None = None,
            quick_replies: Sequence[QuickReply] = ()) -> Draft:
    """Check the announcement and cost it against this month's quota; stores and sends nothing."""
    parsed = audience_of(services.knowledge, audience)
    content = _content(text, quick_replies)
    _require_future(at)
    return Draft(parsed, content, at, reach(services, audience, message_count(content)))


def ensure_fits(draft: Draft, force: bool) -> None:
    """Refuse a send beyond this month's quota unless ``force`` (LINE refuses the excess anyway)."""
    if not draft.quota.fits and not force:
        assert draft.quota.remaining is not None
        raise OverQuota(draft.quota.needed, draft.quota.remaining)


def create(services: Services, draft: Draft, note: str, force: bool = False, actor: Actor | None = None) -> int:
    """Store the announcement as a dispatch for its time (now when none) and return its id.

    With ``actor``, the send (or the scheduling) is written to the audit log in the same transaction.
    """
    ensure_fits(draft, force)
    _require_future(draft.at)
    with services.db.session() as session:
        dispatch = create_dispatch(
            session,
            key=f"{KIND}:{uuid.uuid4()}",
            kind=KIND,
            audience=str(draft.audience),
            content=draft.content,
            scheduled_at=draft.at or clock.now(),
            note=note,
        )
        if actor is not None:
            record(session, actor, Action.SCHEDULE if draft.at else Action.SEND, f"#{dispatch.id} {draft.audience}",
                   f"{draft.receivers} recipients" + ("" if draft.quota.fits else " (forced over the quota)"))
        return dispatch.id


def create_test(services: Services, clerk_id: int, text: str, quick_replies: Sequence[QuickReply],
                actor: Actor) -> int:
    """Store the draft as a dispatch due now to the clerk's own LINE account alone (``user:ID``), audited.

    It goes through the delivery ledger like any send (a retry key, the quota
    counted, nothing sent twice); ``send`` or the clock sends it.
    """
    content = _content(text, quick_replies)
    with services.db.session() as session:
        clerk = session.get(ConsoleUser, clerk_id)
        if clerk is None or clerk.line_user_id is None:
            raise LineNotLinked()
        dispatch = create_dispatch(session, key=f"{TEST_KIND}:{uuid.uuid4()}", kind=TEST_KIND,
                                   audience=f"user:{clerk.line_user_id}", content=content,
                                   scheduled_at=clock.now(), note=f"test send: {actor.name}")
        record(session, actor, Action.SEND, f"#{dispatch.id} test to own LINE", "1 recipient")
        return dispatch.id


def _report(services: Services, dispatch_id: int, tally: Tally) -> SendReport:
    with services.db.session() as session:
        return SendReport(dispatch_id, tally, ledger.failure_reasons(session, dispatch_id),
                          ledger.resendable_count(session, dispatch_id))


def send(services: Services, dispatch_id: int, take_over: bool = True, actor: Actor | None = None) -> SendReport:
    """Send a stored dispatch now, or finish one whose process died (pending first, never twice).

    A resume (``take_over``) also re-sends what failed while LINE was unavailable,
    with the same retry keys, so nobody receives it twice. With ``actor`` (a clerk's
    resume) the audit log says who resumed it, written before anything is sent.

    Any kind of dispatch, a reminder too (its renderer is among ``services.renderers``).
    ``take_over=False`` is for the first send of a dispatch just created: if another
    process claimed it meanwhile, ``TakenOver`` says so rather than reporting that
    process's tally as this command's send.
    """
    with services.db.session() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None:
            raise NoSuchDispatch(dispatch_id)
        stored_audience = dispatch.audience
        if actor is not None:
            record(session, actor, Action.SEND, f"#{dispatch_id} {dispatch.audience}",
                   f"resumed ({dispatch.kind}, {dispatch.status})")
    try:
        tally = run_dispatch(services, dispatch_id, services.renderers, take_over=take_over)
    except AudienceError:
        raise _unknown_audience(services.knowledge, stored_audience) from None
    except DispatchBusy:
        raise (SendInProgress(dispatch_id) if take_over else TakenOver(dispatch_id)) from None
    except (ContentError, DispatchError) as error:
        raise CannotSend(dispatch_id, str(error)) from None
    return _report(services, dispatch_id, tally)


def run_due(services: Services) -> list[SendReport]:
    """Send every dispatch whose time has come (reminders too) and resume those whose sender died."""
    results = run_due_dispatches(services, clock.now(), services.renderers)
    return [_report(services, dispatch_id, tally) for dispatch_id, tally in results.items()]


def scheduled_announcements(services: Services) -> list[ScheduledAnnouncement]:
    """Announcements waiting for their time, soonest first."""
    with services.db.session() as session:
        return [
            ScheduledAnnouncement(dispatch.id, dispatch.scheduled_at.astimezone(clock.JST), dispatch.audience,
                                  dispatch.content["messages"][0].get("text", ""))
            for dispatch in scheduled(session, KIND)
        ]


def cancel(services: Services, dispatch_id: int, actor: Actor | None = None) -> None:
    """Cancel an announcement that is still waiting for its time (audited when ``actor`` is given)."""
    with services.db.session() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.kind != KIND:
            raise NoSuchAnnouncement(dispatch_id)
        try:
            cancel_dispatch(session, dispatch_id)
        except DispatchError:
            raise NotCancellable(dispatch_id, dispatch.status) from None
        if actor is not None:
            record(session, actor, Action.CANCEL, f"#{dispatch_id} {dispatch.audience}")


@dataclass(frozen=True)
class AudienceChoice:
    value: str  # as ``--audience`` takes it
    kind: str  # all | training | edition | course | prospects
    name: str  # the training, edition or course as the data names it


def audience_choices(knowledge: Knowledge, locale: str = "ja") -> list[AudienceChoice]:
    """Every audience a clerk can pick, named as in the training data (for the console's list)."""
    choices = [AudienceChoice("all", "all", "")]
    choices += [AudienceChoice(f"training:{tid}", "training", training.name.in_locale(locale))
                for tid, training in sorted(knowledge.trainings.items())]
    for eid, edition in sorted(knowledge.editions.items()):
        title = edition.title.in_locale(locale)
        choices.append(AudienceChoice(f"edition:{eid}", "edition", title))
        choices += [AudienceChoice(f"course:{course.id}", "course", f"{title} {course.name.in_locale(locale)}")
                    for course in edition.all_courses()]
        choices.append(AudienceChoice(f"prospects:{eid}", "prospects", title))
    return choices


@dataclass(frozen=True)
class SentDispatch:
    """One dispatch in the history: what, to whom, by whom, when, and where its ledger stands."""

    dispatch_id: int
    kind: str
    status: str
    audience: str
    text: str
    note: str
    scheduled_at: datetime
    finished_at: datetime | None
    tally: Tally
    last_progress_at: datetime | None = None  # the ledger's last change (or the start): a live sender moves it
    expected: int | None = None  # while it is being sent: the audience's size, which the ledger will reach

    @property
    def interrupted(self) -> bool:
        """Left sending with no progress for ``STALLED_AFTER`` (its process died): ``send`` finishes it.

        The clock resumes such a send by itself; the console offers it too, for a web process without a clock.
        """
        return (self.status == DispatchStatus.SENDING and self.last_progress_at is not None
                and self.last_progress_at < clock.system_now() - STALLED_AFTER)

    @property
    def in_progress(self) -> bool:
        """Being sent, or due and about to be (a background thread or the clock picks it up)."""
        return not self.interrupted and (self.status == DispatchStatus.SENDING or (
            self.status == DispatchStatus.SCHEDULED and self.scheduled_at <= clock.now()))

    @property
    def done_count(self) -> int:
        return self.tally.sent + self.tally.failed + self.tally.skipped


@dataclass(frozen=True)
class History:
    dispatches: list[SentDispatch]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def in_progress(self) -> bool:
        """Anything on this page still moving: the console refreshes the page's history until it is not."""
        return any(dispatch.in_progress for dispatch in self.dispatches)


def history(services: Services, page: int = 1, per_page: int = 20, kind: str | None = KIND) -> History:
    """Dispatches newest first with their ledger counts: one page, counted by SQL (``kind=None``: reminders too).

    ``KIND`` lists the clerks' test sends too. A send in progress carries its
    audience's size (one count for each such send on the page) for "1,500 / 5,000".
    """
    page = max(1, page)
    where = [Dispatch.kind.in_((KIND, TEST_KIND)) if kind == KIND else Dispatch.kind == kind] if kind else []
    with services.db.session() as session:
        total = session.scalar(select(func.count()).select_from(Dispatch).where(*where)) or 0
        rows = session.scalars(select(Dispatch).where(*where).order_by(Dispatch.scheduled_at.desc(), Dispatch.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
        ids = [row.id for row in rows]
        counts: dict[int, dict[str, int]] = {}
        for dispatch_id, status, count in session.execute(
                select(Delivery.dispatch_id, Delivery.status, func.count())
                .where(Delivery.dispatch_id.in_(ids))
                .group_by(Delivery.dispatch_id, Delivery.status)):
            counts.setdefault(dispatch_id, {})[status] = count
        sending = [row.id for row in rows if row.status == DispatchStatus.SENDING]
        progressed = dict(session.execute(select(Delivery.dispatch_id, func.max(Delivery.updated_at))
                                          .where(Delivery.dispatch_id.in_(sending))
                                          .group_by(Delivery.dispatch_id)).all()) if sending else {}
        dispatches = []
        for row in rows:
            c = counts.get(row.id, {})
            tally = Tally(c.get(DeliveryStatus.SENT, 0), c.get(DeliveryStatus.FAILED, 0),
                          c.get(DeliveryStatus.SKIPPED, 0), c.get(DeliveryStatus.PENDING, 0))
            messages = row.content.get("messages") or [{}]
            live = row.status == DispatchStatus.SENDING or (
                row.status == DispatchStatus.SCHEDULED and row.scheduled_at <= clock.now())
            dispatches.append(SentDispatch(row.id, row.kind, row.status, row.audience,
                                           messages[0].get("text", row.content.get("renderer", "")),
                                           row.note or "", row.scheduled_at, row.finished_at, tally,
                                           progressed.get(row.id) or row.started_at,
                                           _audience_size(session, services.knowledge, row.audience) if live else None))
        return History(dispatches, total, page, per_page)


def _audience_size(session: Session, knowledge: Knowledge, audience: str) -> int | None:
    """Everyone the send will have a ledger row for (blocked and paused included); None if the audience is gone."""
    try:
        return parse_audience(audience, knowledge).count_members(session)
    except AudienceError:
        return None
