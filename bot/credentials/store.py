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
    """The details one enrolment should use, trying ``targets`` most specific first, then the whole edition.

    For a trainee asking for their own details again (one enrolment at a time);
    raises ValueError when details do not decrypt.
    """
    personal = {target: (tool, secret) for target, tool, secret in session.execute(
        select(PersonalCredential.target, PersonalCredential.tool, PersonalCredential.secret)
        .where(PersonalCredential.enrolment_id == enrolment_id))}
    return _most_specific(cipher, [*targets, ANY_TARGET], personal, _shared_of(session, edition_id))


@dataclass(frozen=True)
class ApplicationDetails:
    """One application's joining details, found for the LINE user linked to it."""

    application_no: str
    course_id: str | None
    found: FoundDetails


def find_trainee_details(session: Session, cipher: Cipher, user_id: int, edition: Edition, course_id: str | None,
                         target: str | None) -> list[ApplicationDetails]:
    """The details of each of this LINE user's own applications in ``edition`` (in ``course_id`` or under it).

    A trainee may hold several applications in one edition (two courses): each
    gets its own details, most specific target first (``target``, the course,
    then the whole edition). Found only through enrolments linked to ``user_id``,
    so one trainee's personal details can never be found for another.

    One query for the trainee's applications and their personal details; the
    edition's shared details are read once per session (a batch of a send) and
    reused for every trainee of it. Raises ValueError, naming the application, when
    details do not decrypt: the trainee's whole message then fails, even with other
    applications readable. Their reminder is one ledger row with one retry key; a
    push of the readable details would spend that key, and the resume after the fix
    would be answered 409 (or, past a day, not sent): the missing details would
    never arrive. Failing the message keeps "everything, once, after the fix".
    """
    covered = None
    if course_id:
        course = edition.course(course_id)
        covered = {c.id for c in course.walk()} if course is not None else set()
    rows = session.execute(
        select(Enrolment.id, Enrolment.application_no, Enrolment.course_id, PersonalCredential.target,
               PersonalCredential.tool, PersonalCredential.secret)
        .outerjoin(PersonalCredential, PersonalCredential.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user_id, Enrolment.edition_id == edition.id)
        .order_by(Enrolment.id)
    ).all()
    applications: dict[int, tuple[str, str | None, dict[str, tuple[str | None, str]]]] = {}
    for enrolment_id, number, enrolled_course, personal_target, tool, secret in rows:
        if covered is not None and enrolled_course not in covered:
            continue
        _, _, personal = applications.setdefault(enrolment_id, (number, enrolled_course, {}))
        if personal_target is not None:
            personal[personal_target] = (tool, secret)
    if not applications:
        return []
    shared = _shared_of(session, edition.id)
    found = []
    unreadable: list[str] = []
    reason = ""
    for number, enrolled_course, personal in applications.values():
        targets = [wanted for wanted in (target, course_id or enrolled_course, ANY_TARGET) if wanted]
        try:
            details = _most_specific(cipher, targets, personal, shared)
        except ValueError as error:  # named, so the clerk's listing says which applications to import again
            unreadable.append(number)
            reason = str(error)
            continue
        if details is not None:
            found.append(ApplicationDetails(number, enrolled_course, details))
    if unreadable:  # every one at once: one re-import and one resume, not one round per application
        label = "application" if len(unreadable) == 1 else "applications"
        raise ValueError(f"{label} {', '.join(unreadable)}: {reason}")
    return found


def _shared_of(session: Session, edition_id: str) -> dict[str, tuple[str | None, str]]:
    """The edition's shared details by target, read once per session (they are the same for every trainee)."""
    cache = session.info.setdefault("shared_credentials", {})
    if edition_id not in cache:
        cache[edition_id] = {target: (tool, secret) for target, tool, secret in session.execute(
            select(SharedCredential.target, SharedCredential.tool, SharedCredential.secret)
            .where(SharedCredential.edition_id == edition_id))}
    return cache[edition_id]


def _most_specific(cipher: Cipher, targets: list[str], personal: dict[str, tuple[str | None, str]],
                   shared: dict[str, tuple[str | None, str]]) -> FoundDetails | None:
    for wanted in targets:
        for rows, is_personal in ((personal, True), (shared, False)):
            if wanted in rows:
                tool, secret = rows[wanted]
                return FoundDetails(cipher.decrypt(secret), tool, personal=is_personal)
    return None
