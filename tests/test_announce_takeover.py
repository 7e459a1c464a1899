"""`kenshu announce` when a concurrent `kenshu announce resume` takes its dispatch over.

The resume runs in another thread at the moments a second process could step in:
between creating the dispatch and claiming it, and while the announce is blocked
handing its first batch to LINE. Either way the announce prints one clear line and exits
non-zero (it did not finish the send itself), and LINE received the announcement
once per trainee. A resume that ends while the announce still has a batch to send
must not mark the dispatch done (a crash then would leave those rows unsent for good).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from bot.db.tables import Dispatch, DispatchStatus, DeliveryStatus
from bot.delivery import engine
from bot.devtools.fake_line import FakeLine
from bot.secretariat import announcements
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, ledger, received_counts

USERS = 700  # two multicast batches
TAKEN_OVER = "Error: #1 の送信は別の処理に引き継がれました。このコマンドでは完了していません"


def resume_in_another_thread(services: Services) -> Callable[[], object]:
    """Run `announce resume 1` to its end in a second thread; its report (or error)."""
    outcome: dict[str, object] = {}

    def resume() -> None:
        try:
            outcome["report"] = announcements.send(services, 1)
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            outcome["report"] = error

    thread = threading.Thread(target=resume)
    thread.start()
    thread.join()
    return lambda: outcome["report"]


def announce(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["announce", "--audience", f"training:{ECMO_TRAINING}",
                                              "--text", "ライブ配信は明日10時からです。"])


def assert_everyone_received_it_once(app: Flask, fake_line: FakeLine, users: list[str]) -> None:
    counts = received_counts(fake_line)
    assert set(counts) == set(users) and set(counts.values()) == {1}
    assert {row.status for row in ledger(app, 1)} == {DeliveryStatus.SENT}
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, 1).status == DispatchStatus.DONE


def assert_one_clear_line(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit, not a traceback
    assert result.output.rstrip().splitlines()[-1] == TAKEN_OVER


def test_a_resume_that_finishes_the_send_before_announce_claims_it(app: Flask, fake_line: FakeLine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fake_line.state.set_quota(None)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    services = Services.of(app)
    claim = engine._claim
    resumed: list[Callable[[], object]] = []

    def claim_after_a_resume(*args: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and not resumed:
            resumed.append(resume_in_another_thread(services))
        return claim(*args)

    monkeypatch.setattr(engine, "_claim", claim_after_a_resume)
    result = announce(app)

    report = resumed[0]()
    assert isinstance(report, announcements.SendReport) and report.tally.sent == USERS
    assert_one_clear_line(result)
    assert "送信 " not in result.output  # the resume's tally is not reported as this command's send
    assert_everyone_received_it_once(app, fake_line, users)


def test_a_resume_while_announce_is_blocked_sending_its_first_batch(app: Flask, fake_line: FakeLine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fake_line.state.set_quota(None)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    services = Services.of(app)
    send = engine._InFlight.send
    resumed: list[Callable[[], object]] = []

    def blocked_until_a_resume_ran(self: engine._InFlight, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and not resumed:
            resumed.append(resume_in_another_thread(services))
        return send(self, *args)

    monkeypatch.setattr(engine._InFlight, "send", blocked_until_a_resume_ran)
    result = announce(app)

    report = resumed[0]()
    assert isinstance(report, announcements.SendReport) and report.tally.sent == USERS
    assert_one_clear_line(result)
    assert_everyone_received_it_once(app, fake_line, users)


def test_a_resume_never_marks_done_a_send_whose_rows_another_process_is_still_sending(
        app: Flask, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resume looks for pending rows before the announce plans its second batch, and finishes after."""
    fake_line.state.set_quota(None)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    services = Services.of(app)
    resume_looked, announce_planned_more, resume_ended = threading.Event(), threading.Event(), threading.Event()
    pending_batches, send = engine._pending_batches, engine._InFlight.send
    seen: dict[str, object] = {}

    def pending_then_pause(*args: Any) -> Any:
        batches = pending_batches(*args)
        if threading.current_thread() is not threading.main_thread():
            resume_looked.set()
            announce_planned_more.wait(30)
        return batches

    def resume() -> None:
        try:
            seen["resume"] = announcements.send(services, 1)
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            seen["resume"] = error
        resume_ended.set()

    def interleaved(self: engine._InFlight, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            if "thread" not in seen:  # the first batch: the resume starts and looks for pending rows
                seen["thread"] = threading.Thread(target=resume)
                seen["thread"].start()  # type: ignore[attr-defined]
                resume_looked.wait(30)
            else:  # the second batch is planned: the resume goes on and ends while this one is in flight
                announce_planned_more.set()
                resume_ended.wait(30)
                with services.db.session() as session:
                    seen["status_while_in_flight"] = session.get(Dispatch, 1).status
        return send(self, *args)

    monkeypatch.setattr(engine, "_pending_batches", pending_then_pause)
    monkeypatch.setattr(engine._InFlight, "send", interleaved)
    result = announce(app)
    seen["thread"].join(30)  # type: ignore[attr-defined]

    assert isinstance(seen["resume"], announcements.SendInProgress), seen["resume"]
    assert seen["status_while_in_flight"] == DispatchStatus.SENDING
    assert result.exit_code == 0, result.output
    assert "送信 700件  失敗 0件  対象外 0件" in result.output
    assert_everyone_received_it_once(app, fake_line, users)
