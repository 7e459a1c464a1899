"""``kenshu announce``: audience and quota shown first, quota respected, scheduled sends managed."""

from __future__ import annotations

from sqlalchemy import insert, select

from bot import clock
from bot.db.tables import Dispatch, DispatchStatus, LineUser, Subscription
from bot.services import Services
from tests.test_delivery_engine import TRAINING, add_users


def announce(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["announce", *args])


def test_follow_subscribe_announce_round_trip(app, line, fake_line, user_id):
    line.follow(user_id)
    bystander = "U" + "b" * 32
    line.follow(bystander)
    with Services.of(app).db.session() as session:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == user_id))
        session.execute(insert(Subscription), [{"user_id": user.id, "training_id": TRAINING, "created_at": clock.now()}])

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "申込締切は明日です。")

    assert result.exit_code == 0, result.output
    assert f"Audience: training:{TRAINING} (1 recipients)" in result.output
    assert "Messages to consume: 1" in result.output
    assert "Quota remaining this month: 1000" in result.output
    assert "Sent: 1  Failed: 0  Skipped: 0" in result.output
    assert fake_line.state.texts_to(user_id)[-1] == "申込締切は明日です。"
    assert "申込締切は明日です。" not in fake_line.state.texts_to(bystander)


def test_exceeding_the_quota_is_refused_without_force(app, fake_line):
    add_users(app, 5, training=TRAINING)
    fake_line.state.set_consumption(997)

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "お知らせ")

    assert result.exit_code == 1
    assert "Quota remaining this month: 3" in result.output
    assert "needs 5 messages but only 3 remain" in result.output
    assert fake_line.state.requests("/v2/bot/message/multicast") == []
    with Services.of(app).db.session() as session:
        assert session.scalars(select(Dispatch)).all() == []


def test_force_sends_and_reports_what_line_refused(app, fake_line):
    add_users(app, 5, training=TRAINING)
    fake_line.state.set_consumption(997)

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "お知らせ", "--force")

    assert result.exit_code == 0, result.output
    assert "Sent: 0  Failed: 5  Skipped: 0" in result.output
    assert "monthly limit" in result.output


def test_unlimited_quota_always_fits(app, fake_line):
    add_users(app, 3)
    fake_line.state.set_quota(None)
    result = announce(app, "--audience", "all", "--text", "全員へ")
    assert "Quota remaining this month: unlimited" in result.output
    assert "Sent: 3" in result.output


def test_dry_run_shows_the_figures_and_sends_nothing(app, fake_line):
    add_users(app, 2)
    result = announce(app, "--audience", "all", "--text", "試し", "--dry-run")
    assert result.exit_code == 0
    assert "Audience: all (2 recipients)" in result.output and "Dry run: nothing sent." in result.output
    assert fake_line.state.requests("/v2/bot/message/multicast") == []


def test_text_from_a_file(app, fake_line, tmp_path):
    users = add_users(app, 1)
    notice = tmp_path / "notice.txt"
    notice.write_text("会場が変更になりました。\n詳しくはメールをご確認ください。\n", encoding="utf-8")
    result = announce(app, "--audience", "all", "--file", str(notice))
    assert result.exit_code == 0, result.output
    assert fake_line.state.texts_to(users[0]) == ["会場が変更になりました。\n詳しくはメールをご確認ください。"]


def test_bad_input_gets_a_clear_answer(app, tmp_path):
    too_long = announce(app, "--audience", "all", "--text", "あ" * 5001)
    assert too_long.exit_code == 1 and "5001 characters; LINE accepts at most 5000" in too_long.output
    unknown = announce(app, "--audience", "training:nope", "--text", "x")
    assert unknown.exit_code == 1 and "no training 'nope'" in unknown.output
    both = announce(app, "--audience", "all")
    assert both.exit_code == 2 and "--text TEXT or --file FILE" in both.output
    past = announce(app, "--audience", "all", "--text", "x", "--at", "2000-01-01 09:00")
    assert past.exit_code == 2 and "has already passed" in past.output
    malformed = announce(app, "--audience", "all", "--text", "x", "--at", "tomorrow")
    assert malformed.exit_code == 2 and "is not YYYY-MM-DD HH:MM" in malformed.output
    binary = tmp_path / "notice.txt"
    binary.write_bytes("お知らせ".encode("shift_jis"))
    sjis = announce(app, "--audience", "all", "--file", str(binary))
    assert sjis.exit_code == 1 and "is not UTF-8 text" in sjis.output


def test_scheduled_announcements_are_listed_cancelled_and_sent_when_due(app, fake_line, monkeypatch):
    users = add_users(app, 2)
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T09:00")
    first = announce(app, "--audience", "all", "--text", "第1回のお知らせ", "--at", "2026-04-01 10:00")
    second = announce(app, "--audience", "all", "--text", "第2回のお知らせ", "--at", "2026-04-02 10:00")
    assert "Scheduled as #1 for 2026-04-01 10:00 (Japan time)" in first.output
    assert "#2" in second.output

    listed = announce(app, "list")
    assert "#1  2026-04-01 10:00  all  第1回のお知らせ" in listed.output
    assert "#2  2026-04-02 10:00  all  第2回のお知らせ" in listed.output

    assert "Cancelled #2." in announce(app, "cancel", "2").output
    again = announce(app, "cancel", "2")
    assert again.exit_code == 1 and "dispatch 2 is cancelled and cannot be cancelled" in again.output

    assert "Nothing due." in announce(app, "run-due").output
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T10:00")
    ran = announce(app, "run-due")
    assert "#1" in ran.output and "Sent: 2" in ran.output
    assert fake_line.state.texts_to(users[0]) == ["第1回のお知らせ"]
    assert "No scheduled announcements." in announce(app, "list").output
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, 2).status == DispatchStatus.CANCELLED


DEADLINE_WEEK_BEFORE = "reminder:shunin-caremanager-r5/application_deadline:week-before:20230623T1000"


def reminder_left_scheduled(app, line, name: str):  # type: ignore[no-untyped-def]
    """A subscriber, and the week-before deadline reminder stored but not sent (as a dead clock leaves it)."""
    from bot.delivery import create_dispatch
    from scheduler.fire import KIND, find_send
    from tests.reminder_helpers import follow, subscribe

    persona = follow(line, name)
    subscribe(app, persona, "shunin-caremanager")
    services = Services.of(app)
    send = find_send(services, DEADLINE_WEEK_BEFORE)
    with services.db.session() as session:
        create_dispatch(session, DEADLINE_WEEK_BEFORE, KIND, send.event.audience, send.content(), send.fire_at)
    return persona


def test_run_due_also_sends_a_reminder_the_clock_left_scheduled(app, line, fake_line, monkeypatch):
    persona = reminder_left_scheduled(app, line, "runDue")
    monkeypatch.setenv("KENSHU_NOW", "2023-06-23T10:01:00+09:00")

    result = app.test_cli_runner().invoke(args=["announce", "run-due"])

    assert result.exit_code == 0, result.output
    assert fake_line.state.texts_to(persona.line_user_id)[-1].startswith("主任ケアマネ研修の申込締切は令和5年6月30日")


def test_a_reminder_resumed_after_its_deadline_sends_nothing(app, line, fake_line, monkeypatch):
    persona = reminder_left_scheduled(app, line, "tooLate")
    before = len(fake_line.state.texts_to(persona.line_user_id))
    monkeypatch.setenv("KENSHU_NOW", "2023-07-01T09:00:00+09:00")  # the 6/30 deadline has passed

    result = app.test_cli_runner().invoke(args=["announce", "run-due"])

    assert result.exit_code == 0, result.output
    assert "Skipped: 1" in result.output
    assert len(fake_line.state.texts_to(persona.line_user_id)) == before
