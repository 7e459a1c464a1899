"""Who asked the bot for what about their own training: the listing the console and ``kenshu requests`` show.

Each row is one question a trainee asked (「私の研修」, joining details again,
application status) with what came of it, and the applications linked to the
asker, so a clerk can see at a glance who keeps losing their login e-mail. No
details are ever listed: the row says *that* they were sent, not what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.db.tables import Enrolment, LineUser, PersonalRequest
from bot.i18n import Gettext
from bot.secretariat.editions import find_edition
from bot.services import Services
from bot.trainees.personal_requests import Outcome

MAX_ROWS = 500


@dataclass(frozen=True)
class AskedApplication:
    application_no: str
    name: str
    edition_id: str


@dataclass(frozen=True)
class RequestRow:
    asked_at: datetime
    kind: str  # bot.knowledge.personal_questions.PersonalIntent
    outcome: str  # bot.trainees.personal_requests.Outcome
    edition_id: str | None
    target: str | None
    applications: tuple[AskedApplication, ...]  # linked to the asker now (empty once unlinked)


def list_requests(services: Services, since: datetime, edition_id: str | None = None,
                  limit: int = MAX_ROWS) -> list[RequestRow]:
    """Requests since ``since``, oldest first; with ``edition_id``, those of trainees linked to that edition."""
    if edition_id is not None:
        find_edition(services.knowledge, edition_id)
    with services.db.session() as session:
        query = (select(PersonalRequest).join(LineUser, LineUser.id == PersonalRequest.user_id)
                 .where(PersonalRequest.asked_at >= since).order_by(PersonalRequest.asked_at, PersonalRequest.id))
        if edition_id is not None:
            in_edition = select(Enrolment.user_id).where(Enrolment.edition_id == edition_id)
            query = query.where(PersonalRequest.user_id.in_(in_edition))
        requests = session.scalars(query.limit(limit)).all()
        user_ids = {request.user_id for request in requests}
        applications: dict[int, list[AskedApplication]] = {}
        enrolments = session.scalars(select(Enrolment).where(Enrolment.user_id.in_(user_ids)).order_by(Enrolment.id))
        for enrolment in enrolments:
            assert enrolment.user_id is not None
            applications.setdefault(enrolment.user_id, []).append(
                AskedApplication(enrolment.application_no, enrolment.name, enrolment.edition_id))
        return [RequestRow(request.asked_at, request.kind, request.outcome, request.edition_id, request.target,
                           tuple(applications.get(request.user_id, ()))) for request in requests]


def kind_label(kind: str, _: Gettext) -> str:
    labels = {"my_training": _("my training"), "joining_details": _("joining details again"),
              "application_status": _("application status")}
    return labels.get(kind, kind)


def outcome_label(row: RequestRow, _: Gettext) -> str:
    labels = {
        Outcome.ANSWERED: _("answered"), Outcome.SENT: _("sent"), Outcome.NOT_YET: _("details not imported yet"),
        Outcome.UNDECIDED: _("session date not set"), Outcome.ALL_OVER: _("all sessions over"),
        Outcome.LIMIT: _("refused: daily limit"), Outcome.UNLINKED: _("not linked"),
    }
    label = labels.get(row.outcome, row.outcome)  # type: ignore[call-overload]  # StrEnum keys match the stored text
    return _("{outcome} ({target})").format(outcome=label, target=row.target) if row.target else label
