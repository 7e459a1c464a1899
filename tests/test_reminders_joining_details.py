"""Joining details in reminders: each application's details reach its trainee; one bad row fails alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from bot.clock import parse_jst, system_now
from bot.credentials import Cipher, JoinDetails, PersonalCredential
from bot.db.tables import DeliveryStatus, Dispatch, DispatchStatus, Enrolment
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.services import Services
from scheduler.fire import fire
from tests.helpers import enrol, follow, ledger, run_cli

EDITION = "nanchisei-tokyo-r5"
BASIC = "nanchisei-tokyo-r5-clozapine-basic"
ADVANCED = "nanchisei-tokyo-r5-clozapine-advanced"
# The week-before reminder of the clozapine course's on-demand period, with each trainee's portal login.
JOB = f"reminder:{EDITION}/on_demand_start/nanchisei-tokyo-r5-clozapine:week-before:20230725T1000"
FIRES_AT = "2023-07-25T10:00"


def store_personal(app: Flask, application_no: str, details: JoinDetails, key: str | None = None) -> None:
    """Personal details for one application, as the import stores them (under another key when given)."""
    services = Services.of(app)
    cipher = Cipher(key) if key else services.cipher
    with services.db.session() as session:
        enrolment_id = session.scalar(select(Enrolment.id).filter_by(edition_id=EDITION, application_no=application_no))
        session.add(PersonalCredential(enrolment_id=enrolment_id, target="*", tool=None,
                                       secret=cipher.encrypt(details), updated_at=system_now()))


def fire_reminder_now(app: Flask, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KENSHU_NOW", FIRES_AT)
    return fire(Services.of(app), JOB, parse_jst(FIRES_AT))


def test_a_trainee_with_two_applications_gets_the_details_of_each_labelled_with_its_course(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    trainee = follow(line, "two-courses")
    enrol(app, EDITION, BASIC, "A-101", trainee)
    enrol(app, EDITION, ADVANCED, "A-102", trainee)
    store_personal(app, "A-101", JoinDetails("https://portal.example.jp/login", "basic-0101", "Pw-basic-101"))
    store_personal(app, "A-102", JoinDetails("https://portal.example.jp/login", "adv-0102", "Pw-adv-102"))
    seen = len(fake_line.state.texts_to(trainee.line_user_id))

    fired = fire_reminder_now(app, monkeypatch)

    texts = fake_line.state.texts_to(trainee.line_user_id)[seen:]
    assert fired.tally is not None and fired.tally.sent == 1
    assert len(texts) == 3  # the reminder, then one set of details per application, in one push
    edition = Services.of(app).knowledge.edition(EDITION)
    basic, advanced = (edition.course(c).name.ja for c in (BASIC, ADVANCED))  # type: ignore[union-attr]
    assert f"{basic}（申込番号 A-101）" in texts[1] and "ID：basic-0101" in texts[1] and "Pw-adv-102" not in texts[1]
    assert f"{advanced}（申込番号 A-102）" in texts[2] and "ID：adv-0102" in texts[2] and "Pw-basic-101" not in texts[2]


def test_one_application_gets_its_details_unlabelled_as_before(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    trainee = follow(line, "one-course")
    enrol(app, EDITION, BASIC, "A-201", trainee)
    store_personal(app, "A-201", JoinDetails("https://portal.example.jp/login", "basic-0201", "Pw-201"))
    seen = len(fake_line.state.texts_to(trainee.line_user_id))

    fire_reminder_now(app, monkeypatch)

    texts = fake_line.state.texts_to(trainee.line_user_id)[seen:]
    assert len(texts) == 2 and texts[1].startswith("【参加情報】\nツール：") and "申込番号" not in texts[1]


def test_details_that_do_not_decrypt_fail_that_trainee_alone_and_the_clerk_sees_it(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    trainees = [follow(line, f"trainee-{n}") for n in range(5)]
    for n, trainee in enumerate(trainees):
        enrol(app, EDITION, BASIC, f"B-{n}", trainee)
        store_personal(app, f"B-{n}", JoinDetails("https://portal.example.jp/login", f"id-{n}", f"Pw-{n}"),
                       key="a-key-typed-wrong" if n == 3 else None)
    seen = {t.name: len(fake_line.state.texts_to(t.line_user_id)) for t in trainees}

    fired = fire_reminder_now(app, monkeypatch)  # used to raise, and the clock retried every 5 s till the start

    received = {t.name: fake_line.state.texts_to(t.line_user_id)[seen[t.name]:] for t in trainees}
    for n, trainee in enumerate(trainees):
        if n == 3:
            assert received[trainee.name] == []
        else:
            assert len(received[trainee.name]) == 2 and f"ID：id-{n}" in received[trainee.name][1]
    assert fired.tally is not None and (fired.tally.sent, fired.tally.failed) == (4, 1)
    with Services.of(app).db.session() as session:
        dispatch = session.scalar(select(Dispatch).filter_by(key=JOB))
        assert dispatch is not None and dispatch.status == DispatchStatus.DONE  # nothing left for the clock to retry
    failed = [row for row in ledger(app, dispatch.id) if row.status == DeliveryStatus.FAILED]
    assert len(failed) == 1 and "cannot be decrypted" in failed[0].error and "Pw-" not in failed[0].error

    reminders = run_cli(app, "reminders", "list")
    assert f"未送信 1件: #{dispatch.id} {JOB}" in reminders and "申込番号: B-3" in reminders
    assert f"`kenshu announce resume {dispatch.id}` でこの 1件を再送できます" in reminders
    listing = run_cli(app, "credentials", "list", "--edition", EDITION)
    assert "B-3 *（連携済み）: 復号できません" in listing and "B-2 *（連携済み）: ツール=-" in listing
    assert "復号できないもの 1件" in listing

    # The clerk imports B-3's details again under the right key, and resumes: B-3 gets them, once.
    with Services.of(app).db.session() as session:
        row = session.scalar(select(PersonalCredential).join(Enrolment).where(Enrolment.application_no == "B-3"))
        row.secret = Services.of(app).cipher.encrypt(JoinDetails("https://portal.example.jp/login", "id-3", "Pw-3"))
    run_cli(app, "announce", "resume", str(dispatch.id))
    assert len(fake_line.state.texts_to(trainees[3].line_user_id)[seen[trainees[3].name]:]) == 2
    assert all(len(fake_line.state.texts_to(t.line_user_id)[seen[t.name]:]) == 2 for t in trainees)


def test_details_that_decrypt_to_something_unreadable_fail_that_trainee_alone(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row written in another form (another version's fields) is one trainee's failure, as a wrong key is."""
    trainees = [follow(line, f"trainee-{n}") for n in range(3)]
    for n, trainee in enumerate(trainees):
        enrol(app, EDITION, BASIC, f"C-{n}", trainee)
        store_personal(app, f"C-{n}", JoinDetails("https://portal.example.jp/login", f"id-{n}", f"Pw-{n}"))
    with Services.of(app).db.session() as session:
        row = session.scalar(select(PersonalCredential).join(Enrolment).where(Enrolment.application_no == "C-1"))
        other_form = SimpleNamespace(url="https://portal.example.jp/login", login_id="id-1", passcode="Pw-1")
        row.secret = Services.of(app).cipher.encrypt(other_form)  # type: ignore[arg-type]
    seen = {t.name: len(fake_line.state.texts_to(t.line_user_id)) for t in trainees}

    fired = fire_reminder_now(app, monkeypatch)

    received = {t.name: fake_line.state.texts_to(t.line_user_id)[seen[t.name]:] for t in trainees}
    assert [len(received[t.name]) for t in trainees] == [2, 0, 2]
    assert fired.tally is not None and (fired.tally.sent, fired.tally.failed, fired.tally.pending) == (2, 1, 0)
    with Services.of(app).db.session() as session:
        dispatch = session.scalar(select(Dispatch).filter_by(key=JOB))
    [failed] = [row for row in ledger(app, dispatch.id) if row.status == DeliveryStatus.FAILED]
    assert "credentials cannot be read" in failed.error and "Pw-" not in failed.error and failed.resendable
    assert "申込番号: C-1" in run_cli(app, "reminders", "list")
    assert "C-1 *（連携済み）: 復号できません" in run_cli(app, "credentials", "list", "--edition", EDITION)


def test_two_unreadable_applications_are_both_named_in_the_reason(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    trainee = follow(line, "two-unreadable")
    enrol(app, EDITION, BASIC, "E-101", trainee)
    enrol(app, EDITION, ADVANCED, "E-102", trainee)
    for number in ("E-101", "E-102"):
        store_personal(app, number, JoinDetails("https://portal.example.jp/login", "id-" + number, "Pw-" + number),
                       key="a-key-typed-wrong")

    fire_reminder_now(app, monkeypatch)

    [failed] = [row for row in ledger(app, dispatch_of(app).id) if row.status == DeliveryStatus.FAILED]
    assert "applications E-101, E-102: credentials cannot be decrypted" in failed.error
    assert "Pw-" not in failed.error


def test_one_unreadable_application_of_two_fails_the_trainees_reminder_naming_it_and_the_resume_sends_all_once(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole message waits: one ledger row and retry key per trainee, so a partial push would spend the key
    and the resume after the fix could not deliver the missing details. The reason names the application."""
    trainee = follow(line, "two-courses")
    enrol(app, EDITION, BASIC, "D-101", trainee)
    enrol(app, EDITION, ADVANCED, "D-102", trainee)
    store_personal(app, "D-101", JoinDetails("https://portal.example.jp/login", "basic-0101", "Pw-basic-101"))
    store_personal(app, "D-102", JoinDetails("https://portal.example.jp/login", "adv-0102", "Pw-adv-102"),
                   key="a-key-typed-wrong")
    seen = len(fake_line.state.texts_to(trainee.line_user_id))

    fired = fire_reminder_now(app, monkeypatch)

    assert fake_line.state.texts_to(trainee.line_user_id)[seen:] == []
    assert fired.tally is not None and (fired.tally.sent, fired.tally.failed) == (0, 1)
    [failed] = [row for row in ledger(app, dispatch_of(app).id) if row.status == DeliveryStatus.FAILED]
    assert "cannot be rendered: application D-102: credentials cannot be decrypted" in failed.error and failed.resendable
    assert "D-101" not in failed.error and "Pw-" not in failed.error
    assert "application D-102: credentials cannot be decrypted" in run_cli(app, "reminders", "list")
    assert "D-102 *（連携済み）: 復号できません" in run_cli(app, "credentials", "list", "--edition", EDITION)

    with Services.of(app).db.session() as session:  # the clerk imports D-102 again under the right key
        row = session.scalar(select(PersonalCredential).join(Enrolment).where(Enrolment.application_no == "D-102"))
        row.secret = Services.of(app).cipher.encrypt(JoinDetails("https://portal.example.jp/login", "adv-0102",
                                                                 "Pw-adv-102"))
    run_cli(app, "announce", "resume", str(dispatch_of(app).id))

    texts = fake_line.state.texts_to(trainee.line_user_id)[seen:]
    assert len(texts) == 3 and "ID：basic-0101" in texts[1] and "ID：adv-0102" in texts[2]


def dispatch_of(app: Flask) -> Dispatch:
    with Services.of(app).db.session() as session:
        dispatch = session.scalar(select(Dispatch).filter_by(key=JOB))
        assert dispatch is not None
        session.expunge(dispatch)
        return dispatch
