"""The console's accounts: created from the command line, logged in with a throttle, ended everywhere, audited."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask import Flask
from sqlalchemy import select

from bot import clock
from bot.db.tables import AuditEntry, ConsoleUser
from bot.secretariat import login_throttle
from bot.services import Services
from bot.devtools.fake_line import FakeLine
from tests.helpers import (
    CLERK_PASSWORD,
    ECMO_TRAINING,
    add_users,
    console_login,
    console_user,
    csrf_token,
    make_app,
    run_cli,
)


def _audit(app: Flask) -> list[tuple[str, str, str | None]]:
    with Services.of(app).db.session() as session:
        return [(e.actor, e.action, e.detail) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_the_first_administrator_comes_from_the_command_line_with_a_prompted_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["console", "create-user", "--role", "admin", "Chief@Example.jp"],
                                          input=f"{CLERK_PASSWORD}\n{CLERK_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "chief@example.jp" in result.output
    with Services.of(app).db.session() as session:
        user = session.scalars(select(ConsoleUser)).one()
    assert (user.email, user.role) == ("chief@example.jp", "admin")
    assert CLERK_PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")
    assert console_login(app.test_client(), "chief@example.jp").status_code == 302


def test_a_short_password_is_refused_in_japanese(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["console", "create-user", "a@example.jp"], input="short\nshort\n")
    assert result.exit_code == 1
    assert "12文字以上" in result.output


def test_pages_need_a_login_and_the_login_page_is_japanese(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert "メールアドレス" in client.get("/console/login").get_data(as_text=True)


def test_wrong_passwords_lock_the_account_even_with_the_right_one_then_it_opens_again(app: Flask) -> None:
    console_user(app, "clerk@example.jp")
    client = app.test_client()
    for _ in range(login_throttle.MAX_FAILURES_PER_ACCOUNT):
        assert console_login(client, "clerk@example.jp", "wrong password!!").status_code == 401
    locked = console_login(client, "clerk@example.jp")
    assert locked.status_code == 429
    assert "ログインを一時停止" in locked.get_data(as_text=True)
    with time_machine.travel(clock.now() + login_throttle.WINDOW + timedelta(seconds=1)):
        assert console_login(client, "clerk@example.jp").status_code == 302


def test_every_login_and_failed_login_is_audited_without_the_password(app: Flask) -> None:
    console_user(app, "clerk@example.jp")
    client = app.test_client()
    console_login(client, "clerk@example.jp", "the wrong one!!")
    console_login(client, "clerk@example.jp")
    entries = _audit(app)
    assert [action for _actor, action, _detail in entries[-2:]] == ["login_failed", "login"]
    assert all("wrong one" not in str(entry) and CLERK_PASSWORD not in str(entry) for entry in entries)


def test_a_form_without_the_csrf_token_is_refused(app: Flask) -> None:
    console_user(app, "clerk@example.jp")
    client = app.test_client()
    console_login(client, "clerk@example.jp")
    response = client.post("/console/users/", data={"email": "x@example.jp", "password": CLERK_PASSWORD,
                                                    "role": "viewer"})
    assert response.status_code == 400
    assert "x@example.jp" not in str(_audit(app))


def test_a_viewer_cannot_manage_users_even_with_a_forged_post(app: Flask) -> None:
    console_user(app, "viewer@example.jp", role="viewer")
    client = app.test_client()
    console_login(client, "viewer@example.jp")
    assert client.get("/console/users/").status_code == 403
    token = csrf_token(client, "/console/")
    response = client.post("/console/users/", data={"email": "x@example.jp", "password": CLERK_PASSWORD,
                                                    "role": "admin", "csrf_token": token})
    assert response.status_code == 403
    with Services.of(app).db.session() as session:
        assert session.scalar(select(ConsoleUser).where(ConsoleUser.email == "x@example.jp")) is None


def test_logout_everywhere_ends_the_sessions_of_other_browsers(app: Flask) -> None:
    console_user(app, "clerk@example.jp")
    laptop, office = app.test_client(), app.test_client()
    console_login(laptop, "clerk@example.jp")
    console_login(office, "clerk@example.jp")
    assert office.get("/console/").status_code == 200
    laptop.post("/console/logout-everywhere", data={"csrf_token": csrf_token(laptop, "/console/")})
    assert office.get("/console/").status_code == 302


def test_a_session_ends_after_inactivity(app: Flask) -> None:
    console_user(app, "clerk@example.jp")
    client = app.test_client()
    console_login(client, "clerk@example.jp")
    assert client.get("/console/").status_code == 200
    idle = app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(minutes=1)
    with time_machine.travel(clock.now() + idle):
        assert client.get("/console/").status_code == 302


def test_an_administrator_adds_a_clerk_and_a_role_change_ends_their_session(app: Flask) -> None:
    console_user(app, "admin@example.jp")
    admin, clerk = app.test_client(), app.test_client()
    console_login(admin, "admin@example.jp")
    admin.post("/console/users/", data={"email": "new@example.jp", "password": CLERK_PASSWORD, "role": "sender",
                                        "csrf_token": csrf_token(admin, "/console/users/")})
    assert console_login(clerk, "new@example.jp").status_code == 302
    with Services.of(app).db.session() as session:
        new_id = session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == "new@example.jp"))
    admin.post(f"/console/users/{new_id}/role", data={"role": "viewer",
                                                      "csrf_token": csrf_token(admin, "/console/users/")})
    assert clerk.get("/console/").status_code == 302
    assert ("admin@example.jp", "user_change", "role sender -> viewer") in _audit(app)


def test_session_cookies_are_secure_outside_plain_http_mode(database_url: str, fake_line: FakeLine) -> None:
    app = make_app(database_url, fake_line, KENSHU_CONSOLE_HTTP=False)
    console_user(app, "clerk@example.jp")
    client = app.test_client()
    response = client.get("/console/login", base_url="https://localhost")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    Services.of(app).db.engine.dispose()


def test_a_command_line_send_is_audited_and_listed_in_the_history_the_console_shows(app: Flask) -> None:
    add_users(app, 3, training=ECMO_TRAINING)
    run_cli(app, "announce", "--audience", f"training:{ECMO_TRAINING}", "--text", "お知らせです")
    assert [action for actor, action, _detail in _audit(app) if actor.startswith("cli:")] == ["send"]
    listed = run_cli(app, "announce", "history")
    assert f"training:{ECMO_TRAINING}" in listed and "送信 3件" in listed
