"""The reminders outlook lists only what is still to go out: a reminder once fired is no longer upcoming."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask import Flask

from bot.clock import JST
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.secretariat import reminders
from bot.services import Services
from scheduler.fire import fire
from tests.helpers import follow, run_cli, subscribe

DEADLINE = "shunin-caremanager-r5/application_deadline"
WEEK = f"reminder:{DEADLINE}:week-before:20230623T1000"
DAY = f"reminder:{DEADLINE}:day-before:20230629T1000"


def test_a_reminder_already_sent_is_not_listed_as_upcoming(app: Flask, line: LocalLine, fake_line: FakeLine,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    persona = follow(line, "prospect")
    subscribe(app, persona, "shunin-caremanager")
    services = Services.of(app)
    monkeypatch.setenv("KENSHU_NOW", "2023-06-23T10:00")
    before = len(fake_line.state.texts_to(persona.line_user_id))
    assert fire(services, WEEK, datetime(2023, 6, 23, 10, 0, tzinfo=JST)).outcome == "sent"
    assert len(fake_line.state.texts_to(persona.line_user_id)) == before + 1

    monkeypatch.setenv("KENSHU_NOW", "2023-06-23T10:05")  # the deadline is a week away: still "useful"
    jobs = [upcoming.send.job_id for upcoming in reminders.outlook(services).sends]
    assert WEEK not in jobs and DAY in jobs
    listed = json.loads(run_cli(app, "reminders", "list", "--json"))
    assert [s["rule"] for s in listed["sends"] if s["event_id"] == DEADLINE] == ["day-before", "morning-of"]
    assert not [row for row in run_cli(app, "reminders", "list").splitlines()
                if DEADLINE in row and "week-before" in row]
