"""Storing and finding joining details; the one place that decrypts them.

Lookup prefers the most specific target: details for this session (the
enrolment's own, else the shared ones), then for its course, then for the whole
edition, so a Zoom link set for one live stream wins over a portal login
imported for everything, and a link set for the online course never reaches
the on-site one. Personal details can only be found through an enrolment, so they
can only ever be rendered for the LINE user linked to that enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import system_now
from bot.credentials.secrets import Cipher, JoinDetails
from bot.db.tables import Enrolment, PersonalCredential, SharedCredential
from bot.knowledge import Edition

ANY_TARGET = "*"


def known_targets(edition: Edition) -> set[str]:
    """What details can be set for: the portal, a live stream, a session, a course, or everything."""
    return {ANY_TARGET, "on-demand", *(s.id for s in edition.live_streams), *(s.id for s in edition.sessions),
            *(c.id for c in edition.all_courses())}


@dataclass(frozen=True)
class FoundDetails:
    details: JoinDetails
    tool: str | None
    personal: bool


def set_shared(session: Session, cipher: Cipher, edition_id: str, target: str, details: JoinDetails,
               tool: str | None) -> None:
    """Create or replace the shared details of one target."""
    row = session.scalar(select(SharedCredential).filter_by(edition_id=edition_id, target=target))
    if row is None:
        row = SharedCredential(edition_id=edition_id, target=target)
        session.add(row)
    row.secret = cipher.encrypt(details)
    row.tool = tool
    row.updated_at = system_now()


def set_personal(session: Session, cipher: Cipher, enrolment_id: int, target: str, details: JoinDetails,
                 tool: str | None) -> bool:
    """Create or replace one enrolment's details; True when they were new."""
    row = session.scalar(select(PersonalCredential).filter_by(enrolment_id=enrolment_id, target=target))
    created = row is None
    if row is None:
        row = PersonalCredential(enrolment_id=enrolment_id, target=target)
        session.add(row)
    row.secret = cipher.encrypt(details)
    row.tool = tool
    row.updated_at = system_now()
    return created


def find_details(session: Session, cipher: Cipher, edition_id: str, enrolment_id: int,
                 targets: list[str]) -> FoundDetails | None:
    """The details this enrolment should use, trying ``targets`` most specific first, then ``*``."""
    targets = [*targets, ANY_TARGET]
    personal = session.scalars(select(PersonalCredential).where(
        PersonalCredential.enrolment_id == enrolment_id, PersonalCredential.target.in_(targets))).all()
    shared = session.scalars(select(SharedCredential).where(
        SharedCredential.edition_id == edition_id, SharedCredential.target.in_(targets))).all()
    for wanted in targets:
        for rows, is_personal in ((personal, True), (shared, False)):
            for row in rows:
                if row.target == wanted:
                    return FoundDetails(cipher.decrypt(row.secret), row.tool, personal=is_personal)
    return None


def find_trainee_details(session: Session, cipher: Cipher, user_id: int, edition: Edition, course_id: str | None,
                         target: str | None) -> FoundDetails | None:
    """The details of this LINE user's own enrolment in ``edition`` (in ``course_id`` or a course under it).

    Found only through an enrolment linked to ``user_id``, so one trainee's
    personal details can never be found for another.
    """
    enrolments = session.scalars(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.edition_id == edition.id).order_by(Enrolment.id)).all()
    if not enrolments:
        return None
    course = edition.course(course_id) if course_id else None
    covered = {c.id for c in course.walk()} if course is not None else None
    enrolment = next((e for e in enrolments if covered is None or e.course_id in covered), None)
    if enrolment is None:
        return None
    targets = [wanted for wanted in (target, course_id) if wanted]
    return find_details(session, cipher, edition.id, enrolment.id, targets)
