"""Two-step login for administrators: set up with a first code, then a code after the password, each code once,
wrong codes throttled, the key encrypted, everything audited without keys or codes, turned off for a lost phone."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from bot.clock import JST
from bot.console.views.auth import CODE_WAIT
from bot.credentials.secrets import Cipher
from bot.db.tables import AuditEntry, ConsoleUser
from bot.secretariat import login_throttle
from bot.services import Services
from tests.helpers import CLERK_PASSWORD, SignedInClerk, console_login, csrf_token, signed_in

START = datetime(2026, 12, 2, 10, 0, 5, tzinfo=JST)  # 5 s into a 30-second step
STEP = timedelta(seconds=30)


def _set_up(admin: SignedInClerk) -> str:
    """Turn two-step login on through the page, as the administrator does; the key the page showed."""
    page = admin.post("/console/two-step/begin")
    assert page.status_code == 200
    key = re.search(r'data-testid="two-step-key">([A-Z2-7]+)<', page.get_data(as_text=True))
    assert key, "no key on the page"
    done = admin.post("/console/two-step/confirm", data={"code": pyotp.TOTP(key.group(1)).at(START)})
    assert done.status_code == 302
    return key.group(1)


def _wrong(key: str, at: datetime) -> str:
    """A code that is not the one of ``at``."""
    return "000000" if pyotp.TOTP(key).at(at) != "000000" else "111111"


def _password(client: FlaskClient, email: str, password: str = CLERK_PASSWORD) -> TestResponse:
    return console_login(client, email, password)


def _code(client: FlaskClient, code: str) -> TestResponse:
    token = csrf_token(client, "/console/login/code")
    return client.post("/console/login/code", data={"code": code, "csrf_token": token})


def _row(app: Flask, email: str) -> ConsoleUser:
    with Services.of(app).db.session() as session:
        return session.scalars(select(ConsoleUser).where(ConsoleUser.email == email)).one()


def _audit(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with Services.of(app).db.session() as session:
        return [(e.action, e.target, e.detail) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_after_set_up_the_password_alone_no_longer_logs_in_and_the_code_does(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        admin = signed_in(app)
        key = _set_up(admin)
        assert admin.client.get("/console/").status_code == 200  # the session that set it up goes on
        row = _row(app, "admin@example.jp")
        assert row.totp_secret and key not in row.totp_secret and row.totp_pending is None
        assert key not in admin.client.get("/console/two-step/").get_data(as_text=True)  # shown once

        browser = app.test_client()
        asked = _password(browser, "admin@example.jp")
        assert asked.status_code == 302 and asked.headers["Location"].endswith("/console/login/code")
        assert browser.get("/console/").status_code == 302  # not logged in between the two steps
        assert _code(browser, _wrong(key, START + STEP)).status_code == 401
        assert _code(browser, pyotp.TOTP(key).at(START + STEP)).status_code == 302
        assert browser.get("/console/").status_code == 200


def test_a_code_is_accepted_once_even_within_its_window(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app, email="a2@example.jp"))
    code = pyotp.TOTP(key).at(START + STEP)
    with time_machine.travel(START + STEP, tick=False):
        first, second = app.test_client(), app.test_client()
        _password(first, "a2@example.jp")
        assert _code(first, code).status_code == 302
        _password(second, "a2@example.jp")
        reused = _code(second, code)
        assert reused.status_code == 401
        assert "すでに使われたコード" in reused.get_data(as_text=True)
        assert _code(second, pyotp.TOTP(key).at(START)).status_code == 401  # an earlier step: older than the last used
    with time_machine.travel(START + 2 * STEP, tick=False):
        assert _code(second, pyotp.TOTP(key).at(START + 2 * STEP)).status_code == 302
    assert ("login_failed", "a2@example.jp", "code reused") in _audit(app)


def test_codes_from_the_neighbouring_steps_pass_and_older_ones_do_not(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app))
    later = START + 10 * STEP
    with time_machine.travel(later, tick=False):
        client = app.test_client()
        _password(client, "admin@example.jp")
        assert _code(client, pyotp.TOTP(key).at(later - 2 * STEP)).status_code == 401
        assert _code(client, pyotp.TOTP(key).at(later - STEP)).status_code == 302


def test_wrong_codes_lock_the_login_and_a_right_password_does_not_reset_the_count(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app))
        client = app.test_client()
        _password(client, "admin@example.jp")
        for _ in range(login_throttle.MAX_FAILURES_PER_ACCOUNT - 1):
            assert _code(client, _wrong(key, START)).status_code == 401
        _password(client, "admin@example.jp")  # right again: the count stands
        assert _code(client, _wrong(key, START)).status_code == 401
        locked = _code(client, pyotp.TOTP(key).at(START + STEP))
        assert locked.status_code == 429 and "ログインを一時停止" in locked.get_data(as_text=True)
        assert _password(client, "admin@example.jp").status_code == 429
    with time_machine.travel(START + login_throttle.WINDOW + STEP, tick=False):
        _password(client, "admin@example.jp")
        assert _code(client, pyotp.TOTP(key).at(START + login_throttle.WINDOW + STEP)).status_code == 302
    failed = [detail for action, _target, detail in _audit(app) if action == "login_failed"]
    assert failed.count("wrong code") == login_throttle.MAX_FAILURES_PER_ACCOUNT


def test_the_code_must_follow_the_password_within_minutes(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app))
        client = app.test_client()
        _password(client, "admin@example.jp")
        token = csrf_token(client, "/console/login/code")
    late = START + CODE_WAIT + STEP
    with time_machine.travel(late, tick=False):
        answer = client.post("/console/login/code", data={"code": pyotp.TOTP(key).at(late), "csrf_token": token})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/login")
        assert client.get("/console/").status_code == 302


def test_a_wrong_first_code_leaves_it_off_and_is_audited(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        admin = signed_in(app)
        page = admin.post("/console/two-step/begin").get_data(as_text=True)
        key = re.search(r'data-testid="two-step-key">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
        refused = admin.post("/console/two-step/confirm", data={"code": _wrong(key, START)})
        assert refused.status_code == 400
        assert _row(app, "admin@example.jp").totp_secret is None
        assert _password(app.test_client(), "admin@example.jp").headers["Location"].endswith("/console/")
    assert ("two_step", "admin@example.jp", "wrong code while turning on") in _audit(app)


def test_an_administrator_turns_it_off_for_a_clerk_who_lost_their_phone(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app, email="lost@example.jp"))
        helper = signed_in(app, email="helper@example.jp")
        sender = signed_in(app, role="sender")
        lost_id = _row(app, "lost@example.jp").id
        assert "Turn off" not in helper.client.get("/console/users/").get_data(as_text=True)  # Japanese page
        assert "解除（端末紛失時）" in helper.client.get("/console/users/").get_data(as_text=True)
        assert sender.post(f"/console/users/{lost_id}/two-step-off").status_code == 403
        assert sender.client.get("/console/two-step/").status_code == 403
        assert helper.post(f"/console/users/{lost_id}/two-step-off").status_code == 302
        row = _row(app, "lost@example.jp")
        assert (row.totp_secret, row.totp_pending, row.totp_last_step) == (None, None, None)
        assert _password(app.test_client(), "lost@example.jp").headers["Location"].endswith("/console/")
    entries = _audit(app)
    assert ("two_step", "lost@example.jp", "turned on") in entries
    assert ("two_step", "lost@example.jp", "turned off by an administrator") in entries
    assert all(key not in str(entry) and pyotp.TOTP(key).at(START) not in str(entry) for entry in entries)


def test_the_key_is_sealed_with_a_key_of_its_own(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        _set_up(signed_in(app))
    sealed = _row(app, "admin@example.jp").totp_secret
    assert sealed is not None
    assert not Cipher("test-secret-key").opens(sealed)  # the joining details' key does not open it


def test_a_key_sealed_under_another_secret_key_says_so_after_the_password(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app))
        Services.of(app).secret_key = "a different secret key"
        client = app.test_client()
        _password(client, "admin@example.jp")
        answer = _code(client, pyotp.TOTP(key).at(START + STEP))
        assert answer.status_code == 401
        assert "KENSHU_SECRET_KEY" in answer.get_data(as_text=True)


def test_the_command_line_turns_it_off_when_no_administrator_can_log_in(app: Flask) -> None:
    with time_machine.travel(START, tick=False):
        _set_up(signed_in(app))
        result = app.test_cli_runner().invoke(args=["console", "two-step-off", "Admin@Example.jp"])
        assert result.exit_code == 0, result.output
        assert "2段階認証を解除しました" in result.output
        assert _password(app.test_client(), "admin@example.jp").headers["Location"].endswith("/console/")
        unknown = app.test_cli_runner().invoke(args=["console", "two-step-off", "nobody@example.jp"])
        assert unknown.exit_code == 1 and "nobody@example.jp" in unknown.output
    assert ("two_step", "admin@example.jp", "turned off by an administrator") in _audit(app)


def test_turning_ones_own_two_step_off_or_swapping_the_key_needs_a_code_from_the_phone(app: Flask) -> None:
    """A session left open on a desk cannot remove or replace the second step."""
    with time_machine.travel(START, tick=False):
        admin = signed_in(app)
        key = _set_up(admin)
        own_id = _row(app, "admin@example.jp").id
    later = START + 2 * STEP
    with time_machine.travel(later, tick=False):
        assert admin.post("/console/two-step/off", data={"code": _wrong(key, later)}).status_code == 400
        admin.post(f"/console/users/{own_id}/two-step-off")  # the lost-phone switch, on one's own account
        assert admin.post("/console/two-step/begin").status_code == 400
        assert _row(app, "admin@example.jp").totp_secret is not None
        assert admin.post("/console/two-step/off", data={"code": pyotp.TOTP(key).at(later)}).status_code == 302
        assert _row(app, "admin@example.jp").totp_secret is None
        assert admin.post("/console/two-step/begin").headers["Cache-Control"] == "no-store"  # the new key's page
    assert ("two_step", "admin@example.jp", "wrong code while turning off") in _audit(app)


def test_a_burst_of_parallel_wrong_codes_is_counted_before_any_gets_past_the_throttle(app: Flask) -> None:
    """With a stolen password, firing many guesses at once must not multiply the guesses allowed."""
    with time_machine.travel(START, tick=False):
        key = _set_up(signed_in(app))
        clients = [app.test_client() for _ in range(3 * login_throttle.MAX_FAILURES_PER_ACCOUNT)]
        tokens = []
        for client in clients:
            _password(client, "admin@example.jp")
            tokens.append(csrf_token(client, "/console/login/code"))
        at_once = threading.Barrier(len(clients))
        statuses: list[int] = []

        def guess(client: FlaskClient, token: str) -> None:
            at_once.wait(timeout=10)
            statuses.append(client.post("/console/login/code",
                                        data={"code": _wrong(key, START), "csrf_token": token}).status_code)

        threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(statuses) == len(clients)
    assert statuses.count(401) == login_throttle.MAX_FAILURES_PER_ACCOUNT  # the rest found the login locked
    failed = [detail for action, _target, detail in _audit(app) if action == "login_failed"]
    assert failed.count("wrong code") == login_throttle.MAX_FAILURES_PER_ACCOUNT
