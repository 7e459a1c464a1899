"""A reminder fired while another process is sending it is an expected outcome: one log line, no traceback."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import insert, select

from bot.clock import system_now
from bot.db.tables import Delivery, DeliveryStatus, Dispatch, LineUser
from bot.delivery import Renderers
from bot.devtools.fake_line import FakeLine
from bot.devtools.local_line import LocalLine
from bot.services import Services
from scheduler.fire import fire_reminder
from scheduler.planning import RENDERER
from scheduler.reminder_message import render_reminder
from tests.helpers import enrol, follow

EDITION = "nanchisei-tokyo-r5"
JOB = f"reminder:{EDITION}/on_demand_start/nanchisei-tokyo-r5-clozapine:week-before:20230725T1000"


def test_firing_a_reminder_another_process_is_sending_logs_one_line_and_raises_nothing(
        app: Flask, line: LocalLine, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    enrol(app, EDITION, "nanchisei-tokyo-r5-clozapine-basic", "C-1", follow(line, "first"))
    latecomer = follow(line, "latecomer")  # planned by the other clock, which saw them enrolled
    services = Services.of(app)

    def meanwhile_another_clock_plans_the_latecomer(session, services, user, params):  # type: ignore[no-untyped-def]
        with services.db.session() as other:
            dispatch_id = other.scalar(select(Dispatch.id).filter_by(key=JOB))
            latecomer_id = other.scalar(select(LineUser.id).filter_by(line_user_id=latecomer.line_user_id))
            if other.scalar(select(Delivery.id).filter_by(dispatch_id=dispatch_id, user_id=latecomer_id)) is None:
                other.execute(insert(Delivery).values(
                    dispatch_id=dispatch_id, user_id=latecomer_id, status=DeliveryStatus.PENDING, batch=1,
                    retry_key="00000000-0000-4000-8000-000000000001", attempts=0, updated_at=system_now(),
                    planned_at=system_now()))
        return render_reminder(session, services, user, params)

    services.renderers = Renderers({RENDERER: meanwhile_another_clock_plans_the_latecomer})
    monkeypatch.setenv("KENSHU_NOW", "2023-07-25T10:00")
    caplog.set_level(logging.INFO, logger="scheduler.fire")

    fire_reminder(services, JOB)  # used to let DispatchBusy's traceback reach APScheduler's log

    records = [r for r in caplog.records if r.name == "scheduler.fire"]
    assert len(records) == 1 and records[0].exc_info is None
    assert "being sent by another process" in records[0].getMessage() and JOB in records[0].getMessage()
