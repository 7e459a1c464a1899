"""Shared set-up of the reminder tests: personas in the database, unfollow, and the replay loop.

Personas are created the way they arise: following through the webhook; their
subscription, enrolment and link are written directly, standing in for the
notices and roster features those tests cover.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from bot.clock import system_now
from bot.db.tables import Enrolment, LineUser, Subscription
from bot.devtools import simulator
from bot.devtools.local_line import LocalLine
from bot.services import Services
from scheduler.fire import fire_reminder
from scheduler.sync import job_store, sync_app


@dataclass
class Persona:
    name: str
    line_user_id: str


def follow(line: LocalLine, name: str) -> Persona:
    line_user_id = "U" + name.encode().hex().ljust(32, "0")[:32]
    line.follow(line_user_id)
    return Persona(name, line_user_id)


def _user(session, persona: Persona) -> LineUser:  # type: ignore[no-untyped-def]
    return session.scalar(select(LineUser).filter_by(line_user_id=persona.line_user_id))


def subscribe(app: Flask, persona: Persona, training_id: str) -> None:
    with Services.of(app).db.session() as session:
        session.add(Subscription(user_id=_user(session, persona).id, training_id=training_id, created_at=system_now()))


def enrol(app: Flask, edition_id: str, course_id: str, application_no: str, persona: Persona | None = None) -> None:
    """An application from the roster; linked to the persona's LINE account when given."""
    with Services.of(app).db.session() as session:
        user_id = _user(session, persona).id if persona else None
        session.add(Enrolment(edition_id=edition_id, course_id=course_id, application_no=application_no,
                              name=f"受講者{application_no}", email=f"{application_no}@example.jp",
                              user_id=user_id, linked_at=system_now() if user_id else None,
                              imported_at=system_now()))


def link(app: Flask, persona: Persona, edition_id: str, application_no: str) -> None:
    with Services.of(app).db.session() as session:
        enrolment = session.scalar(select(Enrolment).filter_by(edition_id=edition_id, application_no=application_no))
        enrolment.user_id, enrolment.linked_at = _user(session, persona).id, system_now()


def unfollow(app: Flask, persona: Persona) -> None:
    body, headers = simulator.signed_request([simulator.unfollow_event(persona.line_user_id)],
                                             app.config["LINE_CHANNEL_SECRET"])
    assert app.test_client().post("/callback", data=body.encode(), headers=headers).status_code == 200


def replay(app: Flask, monkeypatch: pytest.MonkeyPatch, start: datetime, end: datetime,
           actions: list[tuple[datetime, Callable[[], None]]]) -> list[tuple[datetime, str]]:
    """Run the season as the clock would, jumping from one due job to the next.

    At each step the bot's clock (``KENSHU_NOW``) is set to the moment, the job
    store is synced from data/ and the dates set, the due jobs are fired as
    APScheduler would fire them (and removed, as it removes a run date job),
    and the secretariat's actions scheduled before then are done first.
    Returns the (time, job id) of every firing.
    """
    store = job_store(Services.of(app).db.engine)
    table = store.jobs_t
    pending = sorted(actions, key=lambda item: item[0])
    fired: list[tuple[datetime, str]] = []
    now = start
    while True:
        monkeypatch.setenv("KENSHU_NOW", now.isoformat())
        with app.app_context():
            sync_app(app)
        with store.engine.connect() as connection:
            row = connection.execute(select(table.c.id, table.c.next_run_time).order_by(
                table.c.next_run_time, table.c.id).limit(1)).first()
        next_job = None if row is None else datetime.fromtimestamp(row.next_run_time, start.tzinfo)
        if pending and (next_job is None or pending[0][0] <= next_job):
            now, action = pending.pop(0)
            monkeypatch.setenv("KENSHU_NOW", now.isoformat())
            with app.app_context():
                action()
            continue
        if next_job is None or next_job > end:
            return fired
        now = next_job
        monkeypatch.setenv("KENSHU_NOW", now.isoformat())
        with app.app_context():
            fire_reminder(row.id)
        store.remove_job(row.id)
        fired.append((now, row.id))
