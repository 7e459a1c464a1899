"""Trainees link their LINE account to their application with the code from the secretariat."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import func, select

from bot.clock import JST
from bot.db.tables import Enrolment, LineUser, LinkThrottle
from bot.devtools.visible_text import visible_text
from bot.services import Services
from tests.helpers import NANCHISEI_EDITION, NANCHISEI_TRAINING, enrolments, import_one, roster, subscriptions_of

WRONG_CODE = "ABCDE-23456"
SECRET = "test-secret-key"


def grouped(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def linked_user(app, application_no: str = "N-900") -> str | None:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return session.scalar(
            select(LineUser.line_user_id).join(Enrolment, Enrolment.user_id == LineUser.id)
            .where(Enrolment.application_no == application_no)
        )


def attempts(app) -> int:  # type: ignore[no-untyped-def]
    """Wrong codes counted by the throttle, all users together."""
    with Services.of(app).db.session() as session:
        return session.scalar(select(func.coalesce(func.sum(LinkThrottle.wrong_codes), 0))) or 0


def test_a_wrong_code_then_the_right_code(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path, name="山田 花子", course="クロザピン基礎研修")

    wrong = visible_text(line.say(user_id, f"連携 {WRONG_CODE}"))
    assert "そのコードは見つかりませんでした" in wrong
    assert linked_user(app) is None

    received = visible_text(line.say(user_id, f"連携 {grouped(code)}"))

    assert "連携が完了しました" in received
    assert "研修：東京都難治性精神疾患研修（令和5年度）" in received
    assert "クロザピン 基礎研修" in received  # the course
    assert "お名前：山…（頭文字のみ表示）" in received
    assert "花子" not in received and "a@example.jp" not in received  # never the full personal data
    assert linked_user(app) == user_id
    assert subscriptions_of(app, user_id) == [NANCHISEI_TRAINING]  # the training's notices come on


def test_the_code_alone_in_any_width_or_case_links(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    typed = grouped(code).lower().translate(str.maketrans("abcdefghjkmnpqrstvwxyz23456789-",
                                                          "ａｂｃｄｅｆｇｈｊｋｍｎｐｑｒｓｔｖｗｘｙｚ２３４５６７８９ー"))

    assert "連携が完了しました" in visible_text(line.say(user_id, typed))
    assert linked_user(app) == user_id


def test_english_link_command(app, line, tmp_path, fake_line, user_id):
    fake_line.state.set_profile(user_id, "Alex", language="en")
    line.follow(user_id)
    code = import_one(app, tmp_path)

    received = visible_text(line.say(user_id, f"link {code}"))

    assert "Your LINE account is now linked to your application." in received
    assert "Clozapine basic course" in received


def test_sending_the_code_again_confirms_without_harm(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    line.say(user_id, f"連携 {code}")

    assert "すでにお使いのLINEアカウントと連携済み" in visible_text(line.say(user_id, f"連携 {code}"))
    assert linked_user(app) == user_id


def test_an_application_links_to_one_line_user_only(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    line.say(user_id, f"連携 {code}")
    someone_else = "U" + uuid.uuid4().hex

    received = visible_text(line.say(someone_else, f"連携 {code}"))

    assert "すでに別のLINEアカウントと連携されています" in received
    assert "事務局へご連絡ください" in received
    assert linked_user(app) == user_id


def test_an_expired_code_is_refused(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)

    with time_machine.travel(datetime.now(JST) + timedelta(days=61), tick=False):
        received = visible_text(line.say(user_id, f"連携 {code}"))

    assert "有効期限が切れています" in received
    assert linked_user(app) is None


def test_repeated_wrong_codes_are_throttled_then_allowed_after_an_hour(app, line, tmp_path, user_id):
    code = import_one(app, tmp_path)
    start = datetime.now(JST)
    with time_machine.travel(start, tick=False):
        for attempt in range(5):
            assert "見つかりませんでした" in visible_text(line.say(user_id, f"連携 ABCDE-2345{attempt + 2}"))

        received = visible_text(line.say(user_id, f"連携 {code}"))  # even the right code waits

    assert "1時間ほどおいて再度お試しいただくか、事務局へご連絡ください" in received
    assert linked_user(app) is None
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        assert "連携が完了しました" in visible_text(line.say(user_id, f"連携 {code}"))


def test_link_alone_explains_what_to_send(app, line, user_id):
    received = visible_text(line.say(user_id, "連携"))

    assert "事務局からのメールに記載のコードを" in received
    assert attempts(app) == 0


def test_a_sentence_about_linking_is_a_question_not_a_code(app, line, user_id):
    line.say(user_id, "連携について教えてください")
    line.say(user_id, "link to the application form")

    assert attempts(app) == 0


def test_a_reissued_code_relinks_to_a_new_account(app, line, tmp_path, user_id):
    old = import_one(app, tmp_path)
    line.say(user_id, f"連携 {old}")
    roster(app, "reissue", "--edition", NANCHISEI_EDITION, "--application-no", "N-900")
    new = enrolments(app)["N-900"].link_code or ""
    new_phone = "U" + uuid.uuid4().hex

    assert "連携が完了しました" in visible_text(line.say(new_phone, f"連携 {new}"))
    assert linked_user(app) == new_phone


def test_a_code_claimed_between_the_check_and_the_write_is_not_told_it_linked(app, tmp_path, monkeypatch):
    """Another user's link lands after the code was checked: the conditional UPDATE decides.

    Real sessions cannot interleave there any more (the throttle's write takes SQLite's
    write lock first; PostgreSQL locks the row with FOR UPDATE), so the other link is
    written on the same connection, between the check and the claim.
    """
    from sqlalchemy import update

    from bot.clock import now
    from bot.trainees import linking, users

    code = import_one(app, tmp_path)
    db = Services.of(app).db
    with db.session() as session:
        first_id = users.get_or_create(session, "U" + "1" * 32, now()).id
        second_id = users.get_or_create(session, "U" + "2" * 32, now()).id
    checked_outcome = linking._outcome

    with db.session() as session:

        def second_user_links_meanwhile(enrolment, user, at):  # type: ignore[no-untyped-def]
            outcome = checked_outcome(enrolment, user, at)
            session.execute(update(Enrolment).values(user_id=second_id, linked_at=at))
            return outcome

        monkeypatch.setattr(linking, "_outcome", second_user_links_meanwhile)
        first_result = linking.link(session, session.get(LineUser, first_id), code, now(), SECRET)

    assert first_result.outcome is linking.LinkOutcome.LINKED_TO_SOMEONE_ELSE
    assert first_result.enrolment is None
    with db.session() as session:
        assert session.scalars(select(Enrolment)).one().user_id == second_id
