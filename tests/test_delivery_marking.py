"""Marking a batch's outcome beside the planning of the next one, and what a failed marking leaves.

On PostgreSQL the engine marks finished batches in a transaction of its own, on a
marking thread, while it reads (or, for personalised content, plans) the next batches;
on SQLite (one writer at a time) it marks them in that same transaction. Either way a batch is
in the ledger before its request leaves, and a marking that fails leaves its rows
pending, re-sent by a resume with the same retry key: LINE answers 409 and nobody
receives the announcement twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import wait
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from bot import clock
from bot.db.tables import DeliveryStatus
from bot.delivery import create_dispatch, engine, ledger, run_dispatch, text_content
from bot.devtools.fake_line import FakeLine
from bot.services import Services
from tests.helpers import ECMO_TRAINING, add_users, ledger as ledger_rows, received_counts

USERS = 1200  # three multicast batches
MULTICAST = "/v2/bot/message/multicast"


def new_announcement(app: Flask) -> int:
    with Services.of(app).db.session() as session:
        return create_dispatch(session, "marking", "announcement", f"training:{ECMO_TRAINING}",
                               text_content("明日の配信は10時からです。"), clock.now()).id


def test_on_postgresql_the_next_batches_are_read_while_the_last_one_is_being_marked(
        app: Flask, fake_line: FakeLine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch 0's marking waits until the ledger's next slice (batch 1) is read: only a marking beside the sender lets
    that happen."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite writes one transaction at a time: the sender marks in its own transaction")
    fake_line.state.set_quota(None)
    monkeypatch.setattr(engine, "PLAN_AHEAD_BATCHES", 1)  # a slice of the ledger is then one whole batch
    users = add_users(app, USERS, training=ECMO_TRAINING)
    dispatch_id = new_announcement(app)
    read_batch_1 = threading.Event()
    marking_saw_batch_1: list[bool] = []
    send, batches_between, mark_batch = engine._InFlight.send, ledger.batches_between, ledger.mark_batch

    def send_and_wait_for_the_answer(self: engine._InFlight, *args: Any) -> None:
        send(self, *args)  # so that batch 0 is finished when the sender looks before reading batch 1
        wait(self._batches[-1].futures())

    def read_and_tell(*args: Any) -> Any:
        batches = batches_between(*args)
        if any(batch.batch == 1 for batch in batches):
            read_batch_1.set()
        return batches

    def mark_once_batch_1_is_read(session: Any, dispatch_id: int, batch: int, *args: Any) -> None:
        if batch == 0:
            marking_saw_batch_1.append(read_batch_1.wait(5))
        mark_batch(session, dispatch_id, batch, *args)

    monkeypatch.setattr(engine._InFlight, "send", send_and_wait_for_the_answer)
    monkeypatch.setattr(ledger, "batches_between", read_and_tell)
    monkeypatch.setattr(ledger, "mark_batch", mark_once_batch_1_is_read)
    tally = run_dispatch(Services.of(app), dispatch_id)

    assert marking_saw_batch_1 == [True]
    assert tally.sent == USERS and tally.pending == 0
    assert received_counts(fake_line) == {user: 1 for user in users}


def test_a_marking_that_fails_stops_the_send_and_a_resume_sends_nobody_twice(
        app: Flask, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a kill after the request and before the marking: the rows stay pending, the resume's re-send is a 409."""
    fake_line.state.set_quota(None)
    users = add_users(app, USERS, training=ECMO_TRAINING)
    dispatch_id = new_announcement(app)
    mark_batch = ledger.mark_batch

    def fail_batch_1(session: Any, dispatch_id: int, batch: int, *args: Any) -> None:
        if batch == 1:
            raise OperationalError("UPDATE deliveries", {}, Exception("the database went away"))
        mark_batch(session, dispatch_id, batch, *args)

    monkeypatch.setattr(ledger, "mark_batch", fail_batch_1)
    with pytest.raises(OperationalError):
        run_dispatch(Services.of(app), dispatch_id)
    monkeypatch.setattr(ledger, "mark_batch", mark_batch)
    batch_1 = [row for row in ledger_rows(app, dispatch_id) if row.batch == 1]
    assert {row.status for row in batch_1} == {DeliveryStatus.PENDING}
    first_key = batch_1[0].retry_key

    sent_before = len(fake_line.state.requests(MULTICAST))

    tally = run_dispatch(Services.of(app), dispatch_id)

    assert tally.sent == USERS and tally.pending == 0
    assert received_counts(fake_line) == {user: 1 for user in users}
    resumed = fake_line.state.requests(MULTICAST)[sent_before:]
    assert first_key in {r.retry_key for r in resumed if r.status == 409}  # batch 1 went again, and LINE knew it
