"""`kenshu announce` when a concurrent `kenshu announce resume` takes its dispatch over.

The resume runs in another thread at the moments a second process could step in:
between creating the dispatch and claiming it, and while the announce is blocked
handing its first batch to LINE, or half way through writing the ledger. Each time the
announce prints one clear line and exits non-zero (it did not finish the send itself),
and LINE received the announcement once per trainee. The announce writes the whole
ledger before its first request, so a resume that starts after that finds every row
pending and sends them all: finishing the send is then the resume's, and the announce
must not report it as its own.
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
from bot.delivery import ledger as ledger_module
from bot.devtools.fake_line import FakeLine
from bot.secretariat import announcements
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, ledger, received_counts

USERS = 700  # two multicast batches
MULTICAST = "/v2/bot/message/multicast"
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


def test_a_resume_while_announce_is_still_planning_sends_the_rest_and_announce_stops(
        app: Flask, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The announce has planned its first batch when the resume starts: the resume plans and sends the rest.

    One batch a transaction here, so that the resume finds the ledger half written.
    The announce, planning its second batch after that, meets the resume's rows (the
    unique constraint) and stops as taken over without sending anything.
    """
    fake_line.state.set_quota(None)
    monkeypatch.setattr(engine, "PLAN_AHEAD_BATCHES", 1)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    services = Services.of(app)
    plan_identical = ledger_module.plan_identical
    resumed: list[Callable[[], object]] = []

    def resume_after_the_first_batch(session: Any, dispatch_id: int, key: str, batch: int, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and batch == 1 and not resumed:
            resumed.append(resume_in_another_thread(services))
        return plan_identical(session, dispatch_id, key, batch, *args)

    monkeypatch.setattr(ledger_module, "plan_identical", resume_after_the_first_batch)
    result = announce(app)

    report = resumed[0]()
    assert isinstance(report, announcements.SendReport) and report.tally.sent == USERS
    assert_one_clear_line(result)
    assert fake_line.state.requests(MULTICAST) == [r for r in fake_line.state.requests(MULTICAST) if r.status == 200]
    assert_everyone_received_it_once(app, fake_line, users)
