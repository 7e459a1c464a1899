"""A personalised send resumed by another process while the first run is still sending it.

Personal pushes are planned a batch at a time, each batch sent while the next is
planned, so a resume (``kenshu announce resume``, or a second clock) can step in
between two batches of a run that is alive. Whatever the interleaving, each trainee
receives their own details once (a push sent by both runs carries the same retry key:
LINE answers 409 to the second), nobody is missed, and the run that did not finish
the send says so instead of reporting it as its own. A resume that ends while the
first run still has a batch on its way must leave the dispatch ``sending``: marked
done, it would be hidden from ``run_due`` should that run then die.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from linebot.v3.messaging import TextMessage

from bot import clock
from bot.db.tables import DeliveryStatus, Dispatch, DispatchStatus
from bot.delivery import DispatchBusy, Renderers, create_dispatch, engine, ledger, run_dispatch
from bot.devtools.fake_line import FakeLine
from bot.services import Services
from tests.helpers import add_users, received_counts
from tests.helpers import ledger as ledger_rows

USERS = 12
BATCH = 5  # three batches


def personal_details(session, services, user, params):  # type: ignore[no-untyped-def]
    return [TextMessage(text=f"{user.line_user_id} 様の参加用ID: ID-{user.id}")]


RENDERERS = Renderers({"details": personal_details})


def new_dispatch(app: Flask) -> int:
    with Services.of(app).db.session() as session:
        return create_dispatch(session, "details-for-everyone", "reminder", "all",
                               {"renderer": "details", "params": {}}, clock.now()).id


def in_another_thread(run: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    """Start ``run`` in a thread (the other process); its result, or the error it raised, lands in the dict."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = run()
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            outcome["result"] = error

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def assert_each_got_their_own_details_once(app: Flask, fake_line: FakeLine, users: list[str],
                                           dispatch_id: int) -> None:
    counts = received_counts(fake_line)
    assert set(counts) == set(users) and set(counts.values()) == {1}, counts
    for user in users:
        [text] = fake_line.state.texts_to(user)
        assert text.startswith(f"{user} 様の参加用ID")
    assert {row.status for row in ledger_rows(app, dispatch_id)} == {DeliveryStatus.SENT}
    with Services.of(app).db.session() as session:
        assert session.get(Dispatch, dispatch_id).status == DispatchStatus.DONE


def test_a_resume_while_the_first_run_is_sending_its_first_batch_sends_the_rest_and_the_first_run_stops(
        app: Flask, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resume runs to its end while the first run's first batch is still to go out.

    The resume re-sends that batch's pending rows with their keys and plans and sends the
    rest; the first run's pushes then meet LINE's 409, and its next batch meets the
    resume's rows: it stops as taken over.
    """
    fake_line.state.set_quota(None)
    users = add_users(app, USERS)
    services = Services.of(app)
    dispatch_id = new_dispatch(app)
    send = engine._InFlight.send
    resumed: list[dict[str, object]] = []

    def a_resume_runs_first(self: engine._InFlight, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and not resumed:
            thread, outcome = in_another_thread(lambda: run_dispatch(services, dispatch_id, RENDERERS, page_size=BATCH))
            thread.join(60)
            resumed.append(outcome)
        return send(self, *args)

    monkeypatch.setattr(engine._InFlight, "send", a_resume_runs_first)
    with pytest.raises(DispatchBusy):
        run_dispatch(services, dispatch_id, RENDERERS, page_size=BATCH, take_over=False)

    tally = resumed[0]["result"]
    assert isinstance(tally, ledger.Tally) and tally.sent == USERS
    assert_each_got_their_own_details_once(app, fake_line, users, dispatch_id)


def test_a_resume_that_ends_while_the_first_run_has_a_batch_in_flight_leaves_the_send_to_it(
        app: Flask, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resume looks for pending rows after the first batch is planned, the first run plans
    the second, and the resume ends while that batch is on its way.

    The resume meets the first run's rows when planning and stops as busy; the
    dispatch stays ``sending`` until the first run, which sent every batch, marks it done.
    """
    fake_line.state.set_quota(None)
    users = add_users(app, USERS)
    services = Services.of(app)
    dispatch_id = new_dispatch(app)
    resume_looked, first_run_planned_more = threading.Event(), threading.Event()
    send, batches_between = engine._InFlight.send, ledger.batches_between
    seen: dict[str, Any] = {}

    def pending_then_pause(*args: Any) -> Any:
        batches = batches_between(*args)
        if threading.current_thread() is not threading.main_thread() and not resume_looked.is_set():
            resume_looked.set()
            first_run_planned_more.wait(30)
        return batches

    def interleaved(self: engine._InFlight, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            if "resume" not in seen:  # the first batch: the resume starts and looks for pending rows
                seen["resume"] = in_another_thread(
                    lambda: run_dispatch(services, dispatch_id, RENDERERS, page_size=BATCH))
                resume_looked.wait(30)
            elif "status_while_in_flight" not in seen:  # the second batch is planned: the resume goes on and ends
                first_run_planned_more.set()
                seen["resume"][0].join(30)
                with services.db.session() as session:
                    seen["status_while_in_flight"] = session.get(Dispatch, dispatch_id).status
        return send(self, *args)

    monkeypatch.setattr(ledger, "batches_between", pending_then_pause)
    monkeypatch.setattr(engine._InFlight, "send", interleaved)
    tally = run_dispatch(services, dispatch_id, RENDERERS, page_size=BATCH, take_over=False)

    assert isinstance(seen["resume"][1]["result"], DispatchBusy), seen["resume"][1]
    assert seen["status_while_in_flight"] == DispatchStatus.SENDING
    assert tally.sent == USERS
    assert_each_got_their_own_details_once(app, fake_line, users, dispatch_id)
