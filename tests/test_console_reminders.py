"""リマインダー in the console: what goes out next and to how many, dates to set, what was late or missed."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from bot.clock import JST
from bot.db.tables import AuditEntry, EventDate
from bot.devtools.local_line import LocalLine
from bot.services import Services
from scheduler.fire import fire
from tests.helpers import follow, signed_in, subscribe

DEADLINE = "shunin-caremanager-r5/application_deadline"
WEEK = f"reminder:{DEADLINE}:week-before:20230623T1000"
DAY = f"reminder:{DEADLINE}:day-before:20230629T1000"
MORNING = f"reminder:{DEADLINE}:morning-of:20230630T0800"
LIVE = "nanchisei-tokyo-r5/live_stream/clozapine-advanced-live/nanchisei-tokyo-r5-clozapine-advanced"


def _row(page: str, *texts: str) -> str:
    """The first table row of the page that contains every one of ``texts``."""
    rows = [row for row in page.split("<tr>") if all(text in row for text in texts)]
    assert rows, f"no row with {texts}"
    return rows[0]


def test_coming_sends_show_time_audience_and_size(app: Flask, line: LocalLine,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-06-20T09:00")
    for name in ("prospect-1", "prospect-2"):
        subscribe(app, follow(line, name), "shunin-caremanager")
    page = signed_in(app, "viewer").client.get("/console/reminders/").get_data(as_text=True)

    row = _row(page, DEADLINE, "week-before")
    assert "2023-06-23 10:00" in row and "prospects:shunin-caremanager-r5" in row
    assert '<td class="num">2</td>' in row


def test_a_sender_sets_a_date_as_the_command_does_and_it_is_audited(app: Flask,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-09-01T09:00")
    clerk = signed_in(app, "sender")
    before = clerk.client.get("/console/reminders/").get_data(as_text=True)
    assert LIVE in _row(before.split("日付の決定待ち")[1], LIVE)

    after = clerk.post("/console/reminders/date", {"event_id": LIVE, "day": "2023-10-28", "time": "18:00"},
                       follow_redirects=True).get_data(as_text=True)

    assert "2023-10-28 18:00 に設定しました" in after
    assert LIVE not in after.split("日付の決定待ち")[1].split("送信時刻を過ぎた")[0]
    assert "2023-10-27 19:00" in after  # the evening-before reminder is planned now
    with Services.of(app).db.session() as session:
        assert session.get(EventDate, LIVE) is not None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "date_change")).one()
        assert (entry.actor, entry.target, entry.detail) == ("sender@example.jp", LIVE, "2023-10-28T18:00")


def test_a_bad_date_or_unknown_event_is_refused_with_a_message(app: Flask) -> None:
    clerk = signed_in(app, "sender")
    bad = clerk.post("/console/reminders/date", {"event_id": LIVE, "day": "28/10/2023"}, follow_redirects=True)
    assert "YYYY-MM-DD" in bad.get_data(as_text=True)
    unknown = clerk.post("/console/reminders/date", {"event_id": "nope/x", "day": "2023-10-28"},
                         follow_redirects=True)
    assert "nope/x" in unknown.get_data(as_text=True)
    with Services.of(app).db.session() as session:
        assert session.scalars(select(EventDate)).all() == []


def test_a_viewer_has_no_date_form_and_a_forged_post_gets_403(app: Flask) -> None:
    viewer = signed_in(app, "viewer")
    assert 'name="day"' not in viewer.client.get("/console/reminders/").get_data(as_text=True)
    assert viewer.post("/console/reminders/date", {"event_id": LIVE, "day": "2023-10-28"}).status_code == 403
    with Services.of(app).db.session() as session:
        assert session.scalars(select(EventDate)).all() == []


def test_reminders_already_due_say_on_time_late_or_missed_with_their_counts(app: Flask, line: LocalLine,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    subscribe(app, follow(line, "prospect"), "shunin-caremanager")
    services = Services.of(app)
    monkeypatch.setenv("KENSHU_NOW", "2023-06-23T10:00")
    fire(services, WEEK, datetime(2023, 6, 23, 10, 0, tzinfo=JST))
    monkeypatch.setenv("KENSHU_NOW", "2023-06-29T15:00")
    fire(services, DAY, datetime(2023, 6, 29, 15, 0, tzinfo=JST))
    monkeypatch.setenv("KENSHU_NOW", "2023-07-01T09:00")
    fire(services, MORNING, datetime(2023, 7, 1, 9, 0, tzinfo=JST))

    page = signed_in(app, "viewer").client.get("/console/reminders/").get_data(as_text=True)
    due = page.split("送信時刻を過ぎたリマインダー")[1]

    assert "予定どおり送信" in _row(due, WEEK) and '<td class="num">1</td>' in _row(due, WEEK)
    assert "遅れて送信" in _row(due, DAY)
    assert "未送信" in _row(due, MORNING) and '<td class="num">1</td>' not in _row(due, MORNING)
