"""The delivery engine: batches, retry keys, the ledger, LINE's errors, audiences, renderers."""

from __future__ import annotations

import logging
import math
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from linebot.v3.messaging import TextMessage
from sqlalchemy import select

from bot import clock
from bot.db.tables import (
    DeliveryStatus,
    Dispatch,
    DispatchStatus,
    Enrolment,
    LineUser,
    UserStatus,
)
from bot.delivery import engine
from bot.delivery import ledger as delivery_ledger
from bot.delivery import (
    AudienceError,
    ContentError,
    Renderers,
    RetryPolicy,
    Sender,
    Skip,
    create_dispatch,
    parse_audience,
    run_dispatch,
    run_due,
    text_content,
)
from bot.devtools.fake_line import FaultConfig
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, ledger, received_counts, run_cli

EDITION = "ecmo-ventilator-r7"
COURSE = "ecmo-ventilator-r7-ecmo"
FAST_RETRIES = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.01)


def add_enrolment(app, line_user_id: str | None, edition: str, course: str | None, number: str) -> None:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id)) if line_user_id else None
        session.add(
            Enrolment(
                edition_id=edition, course_id=course, application_no=number, name="受講 者", email="a@example.jp",
                user_id=user.id if user else None, imported_at=clock.now(),
            )
        )


def new_dispatch(app, audience: str, content: dict, key: str = "test-dispatch") -> int:  # type: ignore[no-untyped-def]
    with Services.of(app).db.session() as session:
        return create_dispatch(session, key, "announcement", audience, content, clock.now()).id


def fast_sender(app) -> Sender:  # type: ignore[no-untyped-def]
    return Sender(Services.of(app).line, FAST_RETRIES)


def test_identical_content_goes_by_multicast_in_batches_of_500(app, fake_line):
    fake_line.state.set_quota(None)
    users = add_users(app, 1234, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("研修のお知らせです。"))

    tally = run_dispatch(Services.of(app), dispatch_id)

    multicasts = fake_line.state.requests("/v2/bot/message/multicast")
    assert len(multicasts) == math.ceil(1234 / 500) == 3
    assert sorted(len(r.body["to"]) for r in multicasts) == [234, 500, 500]  # batches overlap: any order
    assert len({r.retry_key for r in multicasts}) == 3
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert fake_line.state.texts_to(users[0]) == ["研修のお知らせです。"]
    assert (tally.sent, tally.failed, tally.skipped, tally.pending) == (1234, 0, 0, 0)
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, dispatch_id).status == DispatchStatus.DONE


def test_running_a_finished_dispatch_again_sends_nothing(app, fake_line):
    add_users(app, 3, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("一度だけ"))
    run_dispatch(Services.of(app), dispatch_id)
    run_dispatch(Services.of(app), dispatch_id)
    assert len(fake_line.state.requests("/v2/bot/message/multicast")) == 1


def test_creating_a_dispatch_twice_with_one_key_returns_the_first(app):
    first = new_dispatch(app, "all", text_content("A"), key="reminder:x:2026-01-01")
    second = new_dispatch(app, "all", text_content("B"), key="reminder:x:2026-01-01")
    assert first == second
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, first).content == text_content("A")


def test_a_429_storm_is_ridden_out_with_backoff_and_nobody_gets_it_twice(app, fake_line):
    fake_line.state.set_quota(None)
    users = add_users(app, 1600, training=ECMO_TRAINING)
    fake_line.state.faults.configure(
        FaultConfig(error_rate=0.6, error_status=429, paths=("/v2/bot/message/multicast",)), seed=7
    )
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("混雑中でも一度だけ"))

    patient = Sender(Services.of(app).line, RetryPolicy(attempts=12, base_delay=0.001, max_delay=0.01))
    tally = run_dispatch(Services.of(app), dispatch_id, sender=patient)

    statuses = Counter(r.status for r in fake_line.state.requests("/v2/bot/message/multicast"))
    assert statuses[429] > 0 and statuses[200] == 4
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert (tally.sent, tally.failed) == (1600, 0)
    assert max(row.attempts for row in ledger(app, dispatch_id)) > 1


def test_retries_are_bounded_and_the_failure_is_recorded(app, fake_line):
    add_users(app, 2, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=503))
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("届かない"))

    tally = run_dispatch(Services.of(app), dispatch_id, sender=fast_sender(app))

    assert len(fake_line.state.requests("/v2/bot/message/multicast")) == FAST_RETRIES.attempts
    assert tally.failed == 2
    assert all(row.error.startswith("LINE 503") and "gave up after 6 attempts" in row.error for row in ledger(app, dispatch_id))


def test_a_400_is_a_failure_with_lines_message_and_is_not_retried(app, fake_line):
    add_users(app, 2, training=ECMO_TRAINING)
    fake_line.state.faults.configure(FaultConfig(error_rate=1.0, error_status=400))
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("不正"))

    tally = run_dispatch(Services.of(app), dispatch_id, sender=fast_sender(app))

    assert len(fake_line.state.requests("/v2/bot/message/multicast")) == 1
    assert tally.failed == 2
    assert {row.error for row in ledger(app, dispatch_id)} == {"LINE 400: Injected fault (fake LINE)"}


def test_the_monthly_limit_is_not_retried(app, fake_line):
    add_users(app, 3, training=ECMO_TRAINING)
    fake_line.state.set_quota(2)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("上限超過"))

    tally = run_dispatch(Services.of(app), dispatch_id, sender=fast_sender(app))

    assert len(fake_line.state.requests("/v2/bot/message/multicast")) == 1
    assert tally.failed == 3
    assert "monthly limit" in ledger(app, dispatch_id)[0].error


def test_blocked_and_paused_users_are_skipped_and_marked(app, fake_line):
    active = add_users(app, 2, prefix="Ua", training=ECMO_TRAINING)
    blocked = add_users(app, 1, prefix="Ub", training=ECMO_TRAINING, status=UserStatus.BLOCKED)
    paused = add_users(app, 1, prefix="Up", training=ECMO_TRAINING, notices_paused=True)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("お知らせ"))

    tally = run_dispatch(Services.of(app), dispatch_id)

    assert set(received_counts(fake_line)) == set(active)
    assert (tally.sent, tally.skipped) == (2, 2)
    reasons = {row.error for row in ledger(app, dispatch_id) if row.status == DeliveryStatus.SKIPPED}
    assert reasons == {"blocked the bot", "notices paused"}
    assert not fake_line.state.texts_to(blocked[0]) and not fake_line.state.texts_to(paused[0])


def test_personalised_content_goes_by_concurrent_push_with_a_key_per_user(app, fake_line):
    users = add_users(app, 40, display_name="研修 太郎")
    add_users(app, 1, prefix="Un", display_name=None)

    def greeting(session, services, user, params):  # type: ignore[no-untyped-def]
        if user.display_name is None:
            return Skip("no name on record")
        return [TextMessage(text=params["template"].format(name=user.display_name))]

    renderers = Renderers()
    renderers.register("greeting", greeting)
    dispatch_id = new_dispatch(app, "all", {"renderer": "greeting", "params": {"template": "{name}様、こんにちは"}})

    tally = run_dispatch(Services.of(app), dispatch_id, renderers)

    pushes = fake_line.state.requests("/v2/bot/message/push")
    assert len(pushes) == 40 and len({p.retry_key for p in pushes}) == 40
    assert fake_line.state.texts_to(users[7]) == ["研修 太郎様、こんにちは"]
    assert (tally.sent, tally.skipped) == (40, 1)
    assert [row.error for row in ledger(app, dispatch_id) if row.status == DeliveryStatus.SKIPPED] == ["no name on record"]


def test_a_dispatch_naming_an_unregistered_renderer_is_refused_before_sending(app, fake_line):
    add_users(app, 1)
    dispatch_id = new_dispatch(app, "all", {"renderer": "credentials", "params": {}})
    with pytest.raises(ContentError, match="no renderer named 'credentials'"):
        run_dispatch(Services.of(app), dispatch_id)
    assert fake_line.state.requests("/v2/bot/message/push") == []


def test_run_due_sends_what_is_due_and_leaves_the_future_alone(app, fake_line):
    users = add_users(app, 2)
    with Services.of(app).db.session() as session:
        due = create_dispatch(session, "due", "announcement", "all", text_content("今"), clock.now() - timedelta(minutes=1)).id
        later = create_dispatch(session, "later", "announcement", "all", text_content("後で"), clock.now() + timedelta(hours=1)).id

    results = run_due(Services.of(app), clock.now())

    assert list(results) == [due] and results[due].sent == 2
    assert fake_line.state.texts_to(users[0]) == ["今"]
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, later).status == DispatchStatus.SCHEDULED


def test_edition_and_course_audiences_are_the_linked_enrolments(app, fake_line):
    ecmo, vent, prospect, unlinked_subscriber = add_users(app, 4, training=ECMO_TRAINING)
    add_enrolment(app, ecmo, EDITION, COURSE, "1")
    add_enrolment(app, vent, EDITION, "ecmo-ventilator-r7-ventilator", "2")
    add_enrolment(app, None, EDITION, COURSE, "3")  # on the roster, not linked to LINE: nobody to send to
    knowledge = Services.of(app).knowledge

    def audience_of(text: str) -> set[str]:
        """Read one user a page, so every page but the first starts after a user (keyset)."""
        audience, found, after = parse_audience(text, knowledge), set(), 0
        with Services.of(app).db.session() as session:
            while page := audience.page(session, after, 1):
                found.add(page[0].line_user_id)
                after = page[0].user_id
        return found

    assert audience_of(f"edition:{EDITION}") == {ecmo, vent}
    assert audience_of(f"course:{COURSE}") == {ecmo}
    assert audience_of(f"prospects:{EDITION}") == {prospect, unlinked_subscriber}
    assert audience_of(f"training:{ECMO_TRAINING}") == {ecmo, vent, prospect, unlinked_subscriber}
    with Services.of(app).db.session() as session:  # counted as the send would walk them (another query shape)
        assert {text: parse_audience(text, knowledge).count_members(session) for text in
                (f"edition:{EDITION}", f"course:{COURSE}", f"prospects:{EDITION}", f"training:{ECMO_TRAINING}")} == \
            {f"edition:{EDITION}": 2, f"course:{COURSE}": 1, f"prospects:{EDITION}": 2, f"training:{ECMO_TRAINING}": 4}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("training:no-such-training", "no training 'no-such-training'"),
        ("edition:nope", "no edition 'nope'"),
        ("course:nope", "no course 'nope'"),
        ("everyone", "unknown audience 'everyone'"),
        ("training:", "unknown audience"),
    ],
)
def test_an_unknown_audience_is_a_clear_error(app, text, message):
    with pytest.raises(AudienceError, match=message):
        parse_audience(text, Services.of(app).knowledge)


def test_content_line_would_refuse_is_never_stored(app):
    with pytest.raises(ContentError, match="5000"):
        text_content("あ" * 5001)
    with pytest.raises(ContentError, match="not a LINE message"):
        new_dispatch(app, "all", {"messages": [{"type": "text"}]})
    with Services.of(app).db.session() as session:
        assert session.scalars(select(Dispatch)).all() == []


class Crash(Exception):
    """Stands for the process dying between planning a batch and hearing from LINE."""


class CrashingSender(Sender):
    def multicast(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise Crash


def test_a_send_interrupted_over_a_day_ago_is_not_resent_blind(app, fake_line):
    add_users(app, 3, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("古い送信"))
    with pytest.raises(Crash):
        run_dispatch(Services.of(app), dispatch_id, sender=CrashingSender(Services.of(app).line))

    with time_machine.travel(datetime.now(clock.JST) + timedelta(hours=25)):
        tally = run_dispatch(Services.of(app), dispatch_id)

    assert fake_line.state.requests("/v2/bot/message/multicast") == []
    assert tally.failed == 3
    assert "LINE no longer remembers the retry key" in ledger(app, dispatch_id)[0].error


def test_a_send_interrupted_recently_is_resent_with_the_same_retry_key(app, fake_line):
    users = add_users(app, 3, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("再送"))
    with pytest.raises(Crash):
        run_dispatch(Services.of(app), dispatch_id, sender=CrashingSender(Services.of(app).line))
    planned_key = ledger(app, dispatch_id)[0].retry_key

    tally = run_dispatch(Services.of(app), dispatch_id)

    assert [r.retry_key for r in fake_line.state.requests("/v2/bot/message/multicast")] == [planned_key]
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert tally.sent == 3


def test_marking_a_multicast_batch_touches_its_own_pending_rows_only(app):
    """A batch is marked by a range of ledger row ids; rows of other sends and batches in that range stay."""
    add_users(app, 6, training=ECMO_TRAINING)
    first = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("一件目"), key="first")
    second = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("二件目"), key="second")
    audience = parse_audience(f"training:{ECMO_TRAINING}", Services.of(app).knowledge)
    with Services.of(app).db.session() as session:
        _, batch_0_last_user = delivery_ledger.plan_identical(session, first, "first", 0, audience, 0, 3)
        delivery_ledger.plan_identical(session, second, "second", 1, audience, 0, 6)  # the same batch number
        _, batch_1_last_user = delivery_ledger.plan_identical(session, first, "first", 1, audience, batch_0_last_user, 3)
        [batch_1] = delivery_ledger.batches_between(session, first, batch_0_last_user, batch_1_last_user, 3)
    everything = [row.id for dispatch in (first, second) for row in ledger(app, dispatch)]

    with Services.of(app).db.session() as session:
        delivery_ledger.mark_batch(session, first, 1, (min(everything), max(everything)), DeliveryStatus.SENT, 1, None)

    assert [row.status for row in ledger(app, first)] == ["pending"] * 3 + ["sent"] * 3
    assert [row.status for row in ledger(app, second)] == ["pending"] * 6
    assert {row.delivery_id for row in batch_1.rows} == {row.id for row in ledger(app, first)[3:]}


def test_an_unreachable_line_is_a_retryable_gateway_error_not_a_crash():
    import socket

    from bot.line.gateway import LineApiError, LineGateway

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    gateway = LineGateway(f"http://127.0.0.1:{port}", "token")
    try:
        gateway.push("U" + "0" * 32, [TextMessage(text="hello")], str(uuid.uuid4()))
    except LineApiError as error:
        assert (error.status, error.retryable) == (0, True)
    else:
        raise AssertionError("a push to a closed port cannot succeed")


def test_a_multicast_send_writes_its_whole_ledger_before_its_first_request(app, fake_line, monkeypatch):
    """A group of batches a statement, every group committed before the first multicast leaves."""
    fake_line.state.set_quota(None)
    monkeypatch.setattr(engine, "PLAN_AHEAD_BATCHES", 2)
    users = add_users(app, 1234, training=ECMO_TRAINING)  # three batches: two groups
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("研修のお知らせです。"))
    ledger_at_each_request: list[int] = []
    multicast = Sender.multicast

    def count_the_ledger_first(self, *args):  # type: ignore[no-untyped-def]
        ledger_at_each_request.append(len(ledger(app, dispatch_id)))
        return multicast(self, *args)

    monkeypatch.setattr(Sender, "multicast", count_the_ledger_first)
    tally = run_dispatch(Services.of(app), dispatch_id)

    assert ledger_at_each_request == [1234, 1234, 1234]
    assert tally.sent == 1234
    assert received_counts(fake_line) == Counter({user: 1 for user in users})


def test_a_send_that_crashes_while_writing_its_ledger_is_resumed_from_the_last_group_written(app, fake_line, monkeypatch):
    fake_line.state.set_quota(None)
    monkeypatch.setattr(engine, "PLAN_AHEAD_BATCHES", 1)
    users = add_users(app, 1234, training=ECMO_TRAINING)
    dispatch_id = new_dispatch(app, f"training:{ECMO_TRAINING}", text_content("研修のお知らせです。"))
    plan_identical = delivery_ledger.plan_identical

    def crash_at_batch_2(session, dispatch_id, key, batch, *args):  # type: ignore[no-untyped-def]
        if batch == 2:
            raise Crash()
        return plan_identical(session, dispatch_id, key, batch, *args)

    monkeypatch.setattr(delivery_ledger, "plan_identical", crash_at_batch_2)
    with pytest.raises(Crash):
        run_dispatch(Services.of(app), dispatch_id)
    assert fake_line.state.requests("/v2/bot/message/multicast") == []
    assert len(ledger(app, dispatch_id)) == 1000  # batches 0 and 1, committed
    monkeypatch.setattr(delivery_ledger, "plan_identical", plan_identical)

    tally = run_dispatch(Services.of(app), dispatch_id)

    assert tally.sent == 1234
    assert sorted(r.status for r in fake_line.state.requests("/v2/bot/message/multicast")) == [200, 200, 200]
    assert received_counts(fake_line) == Counter({user: 1 for user in users})


def greeting_renderers() -> Renderers:
    renderers = Renderers()
    renderers.register("greeting", lambda session, services, user, params: [TextMessage(text="研修のご案内です。")])
    return renderers


def test_an_unexpected_error_in_one_push_fails_that_push_alone_and_the_rest_of_its_share_is_sent(
        app, fake_line, monkeypatch):
    """Pushes go a share per thread; an error that is not LINE's in one of them costs the others nothing."""
    users = add_users(app, 40)
    broken = users[0]  # first of its share: the share's other nine pushes come after it, on its thread
    line = Services.of(app).line
    push = line.push_serialized

    def push_failing_for_one(user_id, json_messages, retry_key=None):  # type: ignore[no-untyped-def]
        if user_id == broken:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return push(user_id, json_messages, retry_key)

    monkeypatch.setattr(line, "push_serialized", push_failing_for_one)
    dispatch_id = new_dispatch(app, "all", {"renderer": "greeting", "params": {}})

    four_threads = Sender(line, FAST_RETRIES, workers=4)
    tally = run_dispatch(Services.of(app), dispatch_id, greeting_renderers(), sender=four_threads)

    assert (tally.sent, tally.failed, tally.pending) == (39, 1, 0)
    assert received_counts(fake_line) == Counter({user: 1 for user in users[1:]})
    [failed] = [row for row in ledger(app, dispatch_id) if row.status == DeliveryStatus.FAILED]
    assert failed.error.startswith("not sent: unexpected error: UnicodeEncodeError") and "\n" not in failed.error
    assert failed.resendable and failed.attempts == 1
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, dispatch_id).status == DispatchStatus.DONE

    # Once fixed, a resume sends that one push with its own retry key, and nobody else's again.
    monkeypatch.setattr(line, "push_serialized", push)
    tally = run_dispatch(Services.of(app), dispatch_id, greeting_renderers())

    assert (tally.sent, tally.failed) == (40, 0)
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
    assert [r.retry_key for r in fake_line.state.requests("/v2/bot/message/push") if broken in r.recipients] == [
        failed.retry_key]


def test_a_renderer_that_crashes_for_a_user_fails_that_user_alone_with_a_one_line_reason(app, fake_line):
    users = add_users(app, 12)

    def crashing_for_two(session, services, user, params):  # type: ignore[no-untyped-def]
        if user.line_user_id == users[6]:
            raise ValueError("a NUL \x00 in\ntwo lines")  # PostgreSQL would refuse the NUL as it is
        return [TextMessage(text={users[5]: None}.get(user.line_user_id, "ご案内") + "です")]

    renderers = Renderers()
    renderers.register("greeting", crashing_for_two)
    dispatch_id = new_dispatch(app, "all", {"renderer": "greeting", "params": {}})

    tally = run_dispatch(Services.of(app), dispatch_id, renderers)

    assert (tally.sent, tally.failed, tally.pending) == (10, 2, 0)
    assert received_counts(fake_line) == Counter({user: 1 for user in users if user not in (users[5], users[6])})
    failed = {row.user_id: row for row in ledger(app, dispatch_id) if row.status == DeliveryStatus.FAILED}
    assert all(row.resendable for row in failed.values())
    assert sorted(row.error for row in failed.values()) == [
        "not sent: the message cannot be rendered: TypeError (details in the log)",
        "not sent: the message cannot be rendered: a NUL \\x00 in; two lines",
    ]


def test_a_crash_whose_message_quotes_the_message_leaves_only_its_type_in_the_ledger(app, fake_line):
    users = add_users(app, 3)
    secret = "https://zoom.example/j/8812 パスワード PW-4471"

    def quoting_what_it_sends(session, services, user, params):  # type: ignore[no-untyped-def]
        if user.line_user_id == users[1]:
            raise RuntimeError(f"cannot build the message {secret!r}")
        return [TextMessage(text="ご案内です")]

    renderers = Renderers()
    renderers.register("joining", quoting_what_it_sends)
    dispatch_id = new_dispatch(app, "all", {"renderer": "joining", "params": {}})

    tally = run_dispatch(Services.of(app), dispatch_id, renderers)

    assert (tally.sent, tally.failed) == (2, 1)
    [failed] = [row for row in ledger(app, dispatch_id) if row.status == DeliveryStatus.FAILED]
    assert failed.error == "not sent: the message cannot be rendered: RuntimeError (details in the log)"


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info]


def test_a_renderer_bug_that_fails_every_user_logs_its_traceback_once_and_counts_the_rest(app, fake_line, caplog):
    users = add_users(app, 60)

    def buggy(session, services, user, params):  # type: ignore[no-untyped-def]
        if user.line_user_id == users[10]:
            raise ValueError("credentials cannot be decrypted")  # bad data: a line of its own, no traceback
        return [TextMessage(text={}[user.line_user_id])]  # KeyError: 'U…', a different user in each message

    renderers = Renderers()
    renderers.register("greeting", buggy)
    dispatch_id = new_dispatch(app, "all", {"renderer": "greeting", "params": {}})

    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        tally = run_dispatch(Services.of(app), dispatch_id, renderers, page_size=20)

    assert (tally.sent, tally.failed) == (0, 60)  # three batches of 20: the count spans the whole send
    reasons = Counter(row.error for row in ledger(app, dispatch_id))
    assert reasons == Counter({"not sent: the message cannot be rendered: KeyError (details in the log)": 59,
                               "not sent: the message cannot be rendered: credentials cannot be decrypted": 1})
    [logged] = tracebacks(caplog)
    assert logged.exc_info[0] is KeyError and f"dispatch {dispatch_id}" in logged.getMessage()
    assert sum("cannot be decrypted" in record.getMessage() for record in caplog.records) == 1
    [summary] = [record for record in caplog.records if "more errors" in record.getMessage()]
    assert f"dispatch {dispatch_id}: 58 more errors" in summary.getMessage() and "KeyError" in summary.getMessage()


def test_a_push_error_that_fails_every_push_logs_its_traceback_once_and_each_send_again(
        app, fake_line, monkeypatch, caplog):
    add_users(app, 30)
    line = Services.of(app).line

    def unencodable(user_id, json_messages, retry_key=None):  # type: ignore[no-untyped-def]
        raise UnicodeEncodeError("utf-8", f"\ud800 for {user_id}", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(line, "push_serialized", unencodable)
    first = new_dispatch(app, "all", {"renderer": "greeting", "params": {}}, key="first")
    second = new_dispatch(app, "all", {"renderer": "greeting", "params": {}}, key="second")

    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        tallies = [run_dispatch(Services.of(app), dispatch_id, greeting_renderers(),
                                sender=Sender(line, FAST_RETRIES, workers=4)) for dispatch_id in (first, second)]

    assert [(tally.sent, tally.failed) for tally in tallies] == [(0, 30), (0, 30)]
    assert all(row.error == "not sent: unexpected error: UnicodeEncodeError (details in the log)" and row.resendable
               for dispatch_id in (first, second) for row in ledger(app, dispatch_id))
    assert [record.exc_info[0] for record in tracebacks(caplog)] == [UnicodeEncodeError] * 2  # once per send
    assert sorted(record.getMessage().split(":")[0] for record in caplog.records if "more errors" in record.getMessage()
                  ) == [f"dispatch {first}", f"dispatch {second}"]


def test_an_unexpected_error_in_one_multicast_fails_its_batch_alone_and_the_announce_report_says_why(
        app, fake_line, monkeypatch):
    fake_line.state.set_quota(None)
    users = add_users(app, 1234, training=ECMO_TRAINING)
    line = Services.of(app).line
    multicast = line.multicast

    def multicast_failing_for_the_second_batch(user_ids, messages, retry_key=None):  # type: ignore[no-untyped-def]
        if users[600] in user_ids:
            raise KeyError("to")
        return multicast(user_ids, messages, retry_key)

    monkeypatch.setattr(line, "multicast", multicast_failing_for_the_second_batch)

    report = run_cli(app, "announce", "--audience", f"training:{ECMO_TRAINING}", "--text", "研修のお知らせです。",
                     "--locale", "en")

    assert "Sent: 734  Failed: 500  Skipped: 0" in report
    assert "failed x500: not sent: unexpected error: KeyError (details in the log)" in report
    assert "500 failed and can be sent again once the cause is fixed" in report and "announce resume" in report
    assert received_counts(fake_line) == Counter({user: 1 for user in users[:500] + users[1000:]})
    with Services.of(app).db.session() as session:
        [dispatch_id] = session.scalars(select(Dispatch.id)).all()
        assert session.get(Dispatch, dispatch_id).status == DispatchStatus.DONE

    monkeypatch.setattr(line, "multicast", multicast)
    assert "Sent: 1234  Failed: 0" in run_cli(app, "announce", "resume", str(dispatch_id), "--locale", "en")
    assert received_counts(fake_line) == Counter({user: 1 for user in users})
