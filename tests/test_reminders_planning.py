"""Planning from data: rules, quiet hours, tentative dates, sync of the job store, late and missed sends."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from flask import Flask

from bot.clock import JST
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.knowledge import EventKind, QuietHours, Rule, Text
from bot.secretariat import reminders
from bot.secretariat.audit import Actor
from bot.services import Services
from scheduler.fire import fire
from scheduler.planning import plan_event
from scheduler.reminder_events import ReminderEvent
from tests.helpers import enrol, follow, run_cli, subscribe

LIVE = "nanchisei-tokyo-r5/live_stream/clozapine-advanced-live/nanchisei-tokyo-r5-clozapine-advanced"


def live_event(start: datetime) -> ReminderEvent:
    return ReminderEvent(event_id="e/live_stream", edition_id="e", kind=EventKind.LIVE_STREAM, course_id=None,
                         audience="edition:e", title=Text(ja="ライブ配信"), target=None, day=start.date(),
                         start=start, tentative=None)


def test_quiet_hours_move_reminders_to_the_morning_except_the_last_one_before_a_live_stream() -> None:
    rules = [Rule(id="evening-before", days_before=1, at="22:00"), Rule(id="hour-before", minutes_before=60)]
    sends = plan_event(live_event(datetime(2023, 10, 28, 7, 30, tzinfo=JST)), rules, QuietHours())
    # 22:00 the evening before would move to 08:00, after the 07:30 start: dropped. 06:30 is the last: kept.
    assert [(s.rule.id, s.fire_at.strftime("%m-%d %H:%M"), s.moved_by_quiet_hours) for s in sends] == [
        ("hour-before", "10-28 06:30", False)]


def test_a_reminder_pushed_past_the_event_by_quiet_hours_is_dropped_but_an_earlier_one_is_kept() -> None:
    rules = [Rule(id="two-days", days_before=2, at="23:00"), Rule(id="hour-before", minutes_before=60)]
    sends = plan_event(live_event(datetime(2023, 10, 28, 18, 0, tzinfo=JST)), rules, QuietHours())
    assert [(s.rule.id, s.fire_at.strftime("%m-%d %H:%M"), s.moved_by_quiet_hours) for s in sends] == [
        ("two-days", "10-27 08:00", True), ("hour-before", "10-28 17:00", False)]


def test_a_tentative_live_stream_waits_for_its_date_then_is_planned(app: Flask,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENSHU_NOW", "2023-10-01T12:00")
    listed = json.loads(run_cli(app, "reminders", "list", "--json"))
    assert LIVE in [e["event_id"] for e in listed["waiting_for_date"]]
    assert not [s for s in listed["sends"] if s["event_id"] == LIVE]

    run_cli(app, "reminders", "sync")
    output = run_cli(app, "reminders", "set-date", LIVE, "2023-10-28T18:00")
    assert "追加 2件、移動 0件、削除 0件" in output
    listed = json.loads(run_cli(app, "reminders", "list", "--json"))
    assert [(s["rule"], s["fire_at"], s["audience"]) for s in listed["sends"] if s["event_id"] == LIVE] == [
        ("evening-before", "2023-10-27T19:00:00+09:00", "course:nanchisei-tokyo-r5-clozapine-advanced"),
        ("hour-before", "2023-10-28T17:00:00+09:00", "course:nanchisei-tokyo-r5-clozapine-advanced")]

    moved = run_cli(app, "reminders", "set-date", LIVE, "2023-11-04T18:00")
    assert "追加 0件、移動 2件、削除 0件" in moved
    assert run_cli(app, "reminders", "sync").strip().endswith("追加 0件、移動 0件、削除 0件、変更なし 146件")


def test_list_shows_audience_sizes(app: Flask, line: LocalLine, monkeypatch: pytest.MonkeyPatch) -> None:
    subscribe(app, follow(line, "someone"), "shunin-caremanager")
    monkeypatch.setenv("KENSHU_NOW", "2023-06-25T12:00")
    output = run_cli(app, "reminders", "list")
    assert ("2023-06-29 10:00  shunin-caremanager-r5/application_deadline  day-before  "
            "prospects:shunin-caremanager-r5（1人）") in output
    assert "日付の確定待ち: nanchisei-tokyo-r5/live_stream/clozapine-advanced-live" in output
    english = run_cli(app, "reminders", "list", "--locale", "en")
    assert "prospects:shunin-caremanager-r5 (1 receivers)" in english
    assert "waiting for a date: nanchisei-tokyo-r5/live_stream/clozapine-advanced-live" in english


def test_the_use_cases_list_set_a_date_and_sync_with_typed_results(app: Flask, line: LocalLine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    enrol(app, "nanchisei-tokyo-r5", "nanchisei-tokyo-r5-clozapine-advanced", "N-1", follow(line, "advanced"))
    monkeypatch.setenv("KENSHU_NOW", "2023-10-01T12:00")
    services = Services.of(app)
    reminders.sync_jobs(services)
    assert LIVE in [event.event_id for event in reminders.outlook(services).waiting_for_date]
    with pytest.raises(reminders.UnknownEvent):
        reminders.set_date(services, Actor.cli(), "nanchisei-tokyo-r5/no-such-event", date(2023, 10, 28))

    result = reminders.set_date(services, Actor.cli(), LIVE, date(2023, 10, 28), time(18, 0))

    assert (len(result.sync.added), result.sync.moved, result.sync.removed) == (2, [], [])
    outlook = reminders.outlook(services)
    assert LIVE not in [event.event_id for event in outlook.waiting_for_date]
    live = [upcoming for upcoming in outlook.sends if upcoming.send.event.event_id == LIVE]
    assert [(u.send.rule.id, u.send.fire_at, u.receivers) for u in live] == [
        ("evening-before", datetime(2023, 10, 27, 19, 0, tzinfo=JST), 1),
        ("hour-before", datetime(2023, 10, 28, 17, 0, tzinfo=JST), 1)]
    assert reminders.sync_jobs(services).added == []


def test_a_reminder_missed_while_the_clock_was_down_is_sent_late_if_still_useful_else_skipped(
        app: Flask, line: LocalLine, fake_line: FakeLine, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    persona = follow(line, "late")
    subscribe(app, persona, "shunin-caremanager")
    services = Services.of(app)
    before = len(fake_line.state.texts_to(persona.line_user_id))
    week = "reminder:shunin-caremanager-r5/application_deadline:week-before:20230623T1000"
    day = "reminder:shunin-caremanager-r5/application_deadline:day-before:20230629T1000"
    def fire_at(job_id: str, now: datetime):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("KENSHU_NOW", now.isoformat())  # the bot's clock, which renderers read too
        return fire(services, job_id, now)

    late = fire_at(week, datetime(2023, 6, 25, 9, 0, tzinfo=JST))
    missed = fire_at(day, datetime(2023, 7, 1, 9, 0, tzinfo=JST))
    assert (late.outcome, missed.outcome) == ("late", "missed")
    assert fake_line.state.texts_to(persona.line_user_id)[before:] == [
        "主任ケアマネ研修の申込締切は令和5年6月30日（金）です。まだの方はお早めにお申し込みください。"]
    assert "is late" in caplog.text and "missed" in caplog.text
    again = fire_at(week, datetime(2023, 6, 25, 9, 5, tzinfo=JST))
    assert again.tally is not None and again.tally.sent == 1
    assert len(fake_line.state.texts_to(persona.line_user_id)[before:]) == 1  # the ledger decides: once
