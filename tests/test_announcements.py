"""Announcements: audience and quota shown first, quota respected, scheduled sends managed.

The use cases (``bot.secretariat.announcements``) are exercised directly with
their typed results and errors, and through ``kenshu announce`` as a clerk runs it
(Japanese by default).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select

from bot import clock
from bot.db.tables import Dispatch, DispatchStatus, LineUser, Subscription
from bot.i18n import gettext_for
from bot.secretariat import announcements
from bot.services import Services
from tests.helpers import add_users

TRAINING = "ecmo-ventilator"


def announce(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["announce", *args])


def dispatches(app) -> list[Dispatch]:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return list(session.scalars(select(Dispatch)))


# -- the use cases --------------------------------------------------------------

def test_prepare_counts_the_receivers_and_costs_the_send_without_storing_anything(app, fake_line):
    add_users(app, 4, training=TRAINING)
    add_users(app, 2, prefix="V")
    fake_line.state.set_consumption(990)

    draft = announcements.prepare(Services.of(app), f"training:{TRAINING}", "お知らせ")

    assert (str(draft.audience), draft.receivers, draft.quota.needed, draft.quota.remaining) == (
        f"training:{TRAINING}", 4, 4, 10)
    assert draft.quota.fits and draft.at is None
    assert dispatches(app) == []


def test_an_unknown_audience_says_which_ids_exist(app):
    services = Services.of(app)
    with pytest.raises(announcements.UnknownAudience) as unknown_training:
        announcements.prepare(services, "training:nope", "x")
    assert (unknown_training.value.missing, unknown_training.value.target) == ("training", "nope")
    assert TRAINING in unknown_training.value.known
    assert unknown_training.value.message(gettext_for("ja")).startswith("研修 nope はありません（登録済み: ")

    with pytest.raises(announcements.UnknownAudience) as malformed:
        announcements.prepare(services, "everyone", "x")
    assert malformed.value.missing is None
    assert "all、training:ID" in malformed.value.message(gettext_for("ja"))


def test_a_send_beyond_the_quota_is_refused_unless_forced(app, fake_line):
    add_users(app, 5, training=TRAINING)
    fake_line.state.set_consumption(997)
    services = Services.of(app)
    draft = announcements.prepare(services, f"training:{TRAINING}", "お知らせ")

    with pytest.raises(announcements.OverQuota) as refused:
        announcements.create(services, draft, note="test")
    assert (refused.value.needed, refused.value.remaining) == (5, 3)
    assert dispatches(app) == []

    dispatch_id = announcements.create(services, draft, note="test", force=True)
    assert [d.id for d in dispatches(app)] == [dispatch_id]


def test_create_then_send_reports_the_tally_from_the_ledger(app, fake_line):
    users = add_users(app, 3)
    services = Services.of(app)
    dispatch_id = announcements.create(services, announcements.prepare(services, "all", "全員へ"), note="test")

    report = announcements.send(services, dispatch_id)

    assert (report.dispatch_id, report.tally.sent, report.tally.failed, report.failures) == (dispatch_id, 3, 0, [])
    assert fake_line.state.texts_to(users[0]) == ["全員へ"]


def test_a_time_already_past_is_refused(app, monkeypatch):
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T09:00")
    with pytest.raises(announcements.TimeHasPassed):
        announcements.prepare(Services.of(app), "all", "x", datetime(2026, 4, 1, 8, 59, tzinfo=clock.JST))


def test_cancel_and_send_name_what_cannot_be_done(app, monkeypatch):
    add_users(app, 1)
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T09:00")
    services = Services.of(app)
    at = datetime(2026, 4, 2, 10, 0, tzinfo=clock.JST)
    dispatch_id = announcements.create(services, announcements.prepare(services, "all", "明日", at), note="test")
    assert [(a.dispatch_id, a.at, a.text) for a in announcements.scheduled_announcements(services)] == [
        (dispatch_id, at, "明日")]

    announcements.cancel(services, dispatch_id)

    with pytest.raises(announcements.NotCancellable) as again:
        announcements.cancel(services, dispatch_id)
    assert again.value.status == DispatchStatus.CANCELLED
    with pytest.raises(announcements.NoSuchAnnouncement):
        announcements.cancel(services, 999)
    with pytest.raises(announcements.NoSuchDispatch):
        announcements.send(services, 999)
    assert announcements.scheduled_announcements(services) == []


# -- kenshu announce ----------------------------------------------------------------

def test_follow_subscribe_announce_round_trip(app, line, fake_line, user_id):
    line.follow(user_id)
    bystander = "U" + "b" * 32
    line.follow(bystander)
    with Services.of(app).db.session() as session:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == user_id))
        session.execute(insert(Subscription),
                        [{"user_id": user.id, "training_id": TRAINING, "created_at": clock.now()}])

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "申込締切は明日です。")

    assert result.exit_code == 0, result.output
    assert f"配信先: training:{TRAINING}（1人）" in result.output
    assert "消費する通数: 1通" in result.output
    assert "今月の残り通数: 1000通" in result.output
    assert "送信 1件  失敗 0件  対象外 0件" in result.output
    assert fake_line.state.texts_to(user_id)[-1] == "申込締切は明日です。"
    assert "申込締切は明日です。" not in fake_line.state.texts_to(bystander)


def test_exceeding_the_quota_is_refused_without_force(app, fake_line):
    add_users(app, 5, training=TRAINING)
    fake_line.state.set_consumption(997)

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "お知らせ")

    assert result.exit_code == 1
    assert "今月の残り通数: 3通" in result.output
    assert "この送信には5通が必要ですが、今月の残りは3通のため、送信していません" in result.output
    assert "--force を付けると送信しますが" in result.output
    assert fake_line.state.requests("/v2/bot/message/multicast") == []
    assert dispatches(app) == []


def test_force_sends_and_reports_what_line_refused(app, fake_line):
    add_users(app, 5, training=TRAINING)
    fake_line.state.set_consumption(997)

    result = announce(app, "--audience", f"training:{TRAINING}", "--text", "お知らせ", "--force")

    assert result.exit_code == 0, result.output
    assert "注意: 上限を超えて送信します" in result.output
    assert "送信 0件  失敗 5件  対象外 0件" in result.output
    assert "monthly limit" in result.output  # LINE's own words, as it refused


def test_unlimited_quota_always_fits(app, fake_line):
    add_users(app, 3)
    fake_line.state.set_quota(None)
    result = announce(app, "--audience", "all", "--text", "全員へ")
    assert "今月の残り通数: 上限なし" in result.output
    assert "送信 3件" in result.output


def test_dry_run_shows_the_figures_and_sends_nothing(app, fake_line):
    add_users(app, 2)
    result = announce(app, "--audience", "all", "--text", "試し", "--dry-run")
    assert result.exit_code == 0
    assert "配信先: all（2人）" in result.output and "確認のみ: 送信していません。" in result.output
    assert fake_line.state.requests("/v2/bot/message/multicast") == []


def test_the_output_is_english_on_request(app, fake_line):
    add_users(app, 2)
    result = announce(app, "--audience", "all", "--text", "試し", "--dry-run", "--locale", "en")
    assert "Audience: all (2 recipients)" in result.output and "Dry run: nothing sent." in result.output
    assert "Quota remaining this month: 1000" in result.output


def test_text_from_a_file(app, fake_line, tmp_path):
    users = add_users(app, 1)
    notice = tmp_path / "notice.txt"
    notice.write_text("会場が変更になりました。\n詳しくはメールをご確認ください。\n", encoding="utf-8")
    result = announce(app, "--audience", "all", "--file", str(notice))
    assert result.exit_code == 0, result.output
    assert fake_line.state.texts_to(users[0]) == ["会場が変更になりました。\n詳しくはメールをご確認ください。"]


def test_bad_input_gets_a_clear_answer(app, tmp_path):
    too_long = announce(app, "--audience", "all", "--text", "あ" * 5001)
    assert too_long.exit_code == 1 and "本文が5001文字あります。LINEで送れるのは5000文字までです" in too_long.output
    unknown = announce(app, "--audience", "training:nope", "--text", "x")
    assert unknown.exit_code == 1 and "研修 nope はありません" in unknown.output
    both = announce(app, "--audience", "all")
    assert both.exit_code == 2 and "--text TEXT か --file FILE のどちらか一方" in both.output
    past = announce(app, "--audience", "all", "--text", "x", "--at", "2000-01-01 09:00")
    assert past.exit_code == 2 and "2000-01-01 09:00（日本時間）はすでに過ぎています" in past.output
    malformed = announce(app, "--audience", "all", "--text", "x", "--at", "tomorrow")
    assert malformed.exit_code == 2 and "tomorrow は YYYY-MM-DD HH:MM（日本時間）の形で" in malformed.output
    binary = tmp_path / "notice.txt"
    binary.write_bytes("お知らせ".encode("shift_jis"))
    sjis = announce(app, "--audience", "all", "--file", str(binary))
    assert sjis.exit_code == 1 and "UTF-8のテキストではありません" in sjis.output


def test_scheduled_announcements_are_listed_cancelled_and_sent_when_due(app, fake_line, monkeypatch):
    users = add_users(app, 2)
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T09:00")
    first = announce(app, "--audience", "all", "--text", "第1回のお知らせ", "--at", "2026-04-01 10:00")
    second = announce(app, "--audience", "all", "--text", "第2回のお知らせ", "--at", "2026-04-02 10:00")
    assert "#1 として 2026-04-01 10:00（日本時間）に予約しました" in first.output
    assert "#2" in second.output

    listed = announce(app, "list")
    assert "#1  2026-04-01 10:00  all  第1回のお知らせ" in listed.output
    assert "#2  2026-04-02 10:00  all  第2回のお知らせ" in listed.output

    assert "#2 の予約を取り消しました。" in announce(app, "cancel", "2").output
    again = announce(app, "cancel", "2")
    assert again.exit_code == 1 and "#2 は取り消し済みのため、取り消せません" in again.output

    assert "送信時刻になった配信はありません。" in announce(app, "run-due").output
    monkeypatch.setenv("KENSHU_NOW", "2026-04-01T10:00")
    ran = announce(app, "run-due")
    assert "#1" in ran.output and "送信 2件" in ran.output
    assert fake_line.state.texts_to(users[0]) == ["第1回のお知らせ"]
    assert "予約中のお知らせはありません。" in announce(app, "list").output
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, 2).status == DispatchStatus.CANCELLED


DEADLINE_WEEK_BEFORE = "reminder:shunin-caremanager-r5/application_deadline:week-before:20230623T1000"


def reminder_left_scheduled(app, line, name: str):  # type: ignore[no-untyped-def]
    """A subscriber, and the week-before deadline reminder stored but not sent (as a dead clock leaves it)."""
    from bot.delivery import create_dispatch
    from scheduler.fire import KIND, find_send
    from tests.helpers import follow, subscribe

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

    result = announce(app, "run-due")

    assert result.exit_code == 0, result.output
    assert fake_line.state.texts_to(persona.line_user_id)[-1].startswith("主任ケアマネ研修の申込締切は令和5年6月30日")


def test_a_reminder_resumed_after_its_deadline_sends_nothing(app, line, fake_line, monkeypatch):
    persona = reminder_left_scheduled(app, line, "tooLate")
    before = len(fake_line.state.texts_to(persona.line_user_id))
    monkeypatch.setenv("KENSHU_NOW", "2023-07-01T09:00:00+09:00")  # the 6/30 deadline has passed

    result = announce(app, "run-due")

    assert result.exit_code == 0, result.output
    assert "対象外 1件" in result.output
    assert len(fake_line.state.texts_to(persona.line_user_id)) == before
