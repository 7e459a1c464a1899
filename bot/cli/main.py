"""The ``kenshu`` command line.

Commands that configure their own app (the demo chat, ``ask``, the fake LINE API,
``data check``) live on the group, so they run before, and without, the
environment's app; the rest are registered on the app in ``bot.cli.registration``.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
from flask.cli import FlaskGroup

from bot.app import create_app
from bot.clock import parse_jst
from bot.config import REPO_ROOT, ConfigError, load_settings
from bot.credentials.key_fingerprint import forget_secret_key as forget
from bot.db import Database
from bot.devtools.fake_line import serve
from bot.devtools.local_line import LocalLine, local_line
from bot.devtools.visible_text import tappable_actions, visible_text
from bot.devtools.web_server import serving
from bot.i18n import DEFAULT_LOCALE, gettext_for
from bot.knowledge import KnowledgeError
from bot.secretariat import staff
from bot.secretariat.audit import Actor
from bot.secretariat.knowledge import check as check_data
from bot.services import Services

DEMO_USER = "U" + "d" * 32

# The demo commands never touch DATABASE_URL (it may be production): their own
# throwaway database, unless this option names one.
database_option = click.option(
    "--database-url",
    default=None,
    metavar="URL",
    help="Run on this database (migrated to the latest schema) instead of a throwaway demo database.",
)


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """kenshu-bot: the LINE bot for training secretariats."""


def main() -> None:
    """The console script: a setting or data problem is one clear line, not a traceback."""
    try:
        cli()
    except (ConfigError, KnowledgeError) as error:
        click.echo(f"kenshu: {error}", err=True)
        sys.exit(1)


def _print_reply(messages: list[dict]) -> list[dict]:
    """Show a reply as the phone would; every button and quick reply gets a number."""
    choices = tappable_actions(messages)
    for message in messages:
        text = visible_text([{**message, "quickReply": None}])
        click.echo(click.style("bot> ", fg="green") + text.replace("\n", "\n     "))
    for number, action in enumerate(choices, start=1):
        click.echo(f"     [{number}] {action.get('label', '')}")
    return choices


@cli.command("chat", with_appcontext=False)
@click.option("--user", "user_id", default=DEMO_USER, show_default=True, help="LINE user id to chat as.")
@database_option
def chat(user_id: str, database_url: str | None) -> None:
    """Chat with the bot in the terminal (demo mode, fake LINE API, a demo database)."""
    with local_line(database_url) as line:
        _chat_loop(line, user_id)


def _chat_loop(line: LocalLine, user_id: str) -> None:
    """The terminal conversation as ``user_id`` until Ctrl-D."""
    click.echo("kenshu-bot demo. Type a question; a number picks a choice; Ctrl-D quits.")
    choices = _print_reply(line.follow(user_id))
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(choices):
            action = choices[int(text) - 1]
            if action.get("type") == "postback":
                choices = _print_reply(line.postback(user_id, action["data"]))
                continue
            text = action.get("text") or action.get("label", "")
            click.echo(f"you> {text}")
        choices = _print_reply(line.say(user_id, text))


@cli.command("demo", with_appcontext=False)
@database_option
@click.option("--console-port", default=8080, show_default=True, type=int,
              help="Serve the web console on this port of 127.0.0.1 (0: any free port).")
def demo(database_url: str | None, console_port: int) -> None:
    """Start the demo: a demo database, the training data, a fake LINE API, the web console and a chat."""

    with local_line(database_url) as line, ExitStack() as stack:
        email, password = demo_admin(line)
        try:
            url = stack.enter_context(serving(line.app, port=console_port))
        except OSError:  # the port is taken: any free one will do
            url = stack.enter_context(serving(line.app))
        click.echo(f"Web console: {url}/console  (demo admin: {email} / password: {password})")
        _chat_loop(line, DEMO_USER)


def demo_admin(line: LocalLine) -> tuple[str, str]:
    """A demo administrator with a fresh password (the demo database is throwaway)."""
    email, password = "demo-admin@example.jp", secrets.token_urlsafe(12)
    services = Services.of(line.app)
    existing = [clerk for clerk in staff.clerks(services) if clerk.email == email]
    if existing:
        staff.set_password(services, Actor("demo"), existing[0].id, password)
    else:
        staff.create_user(services, Actor("demo"), email, password, "admin")
    return email, password


@cli.command("ask", with_appcontext=False)
@click.option("--user", "user_id", default=DEMO_USER, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print {text, messages} as JSON.")
@database_option
@click.argument("text")
def ask(user_id: str, as_json: bool, database_url: str | None, text: str) -> None:
    """Ask one question through the webhook path and print the reply (a demo database).

    With TEXT "-", reads standard input line by line and prints one JSON object per
    line. A line is either plain text, asked as the first message of a new user, or
    a JSON object {"text": ..., "user": ..., "now": ...}: the same "user" keeps its
    memory across lines (a question, a tap on a quick reply, a follow-up), and "now"
    (ISO, Japan time without an offset) sets the bot's clock for that line.
    """
    with local_line(database_url) as line:
        if text != "-":
            _emit(line.say(user_id, text), as_json)
            return
        for raw in sys.stdin:
            raw = raw.rstrip("\n")
            if not raw.strip():
                continue
            question, who, now = _batch_line(raw)
            with _clock_at(now):
                _emit(line.say(who, question), as_json=True, user=who)


def _batch_line(raw: str) -> tuple[str, str, str | None]:
    """(text, user, now) of one batch line: a JSON object, or plain text from a new user."""
    if raw.lstrip().startswith("{"):
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            item = None
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            user = str(item.get("user") or "U" + uuid.uuid4().hex)
            now = item.get("now")
            return item["text"], _line_user_id(user), str(now) if now else None
    return raw, "U" + uuid.uuid4().hex, None


def _line_user_id(user: str) -> str:
    """A LINE-shaped user id (U + 32 hex) for any label a batch gives ("alice" stays alice every line)."""
    if len(user) == 33 and user.startswith("U"):
        return user
    return "U" + uuid.uuid5(uuid.NAMESPACE_URL, f"kenshu-ask:{user}").hex


@contextmanager
def _clock_at(now: str | None) -> Iterator[None]:
    """The bot's clock frozen at ``now`` for one line (``KENSHU_NOW``, as the demo sets it)."""
    if now is None:
        yield
        return
    parse_jst(now)  # a malformed time fails here, naming the value
    before = os.environ.get("KENSHU_NOW")
    os.environ["KENSHU_NOW"] = now
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("KENSHU_NOW", None)
        else:
            os.environ["KENSHU_NOW"] = before


def _emit(messages: list[dict], as_json: bool, user: str | None = None) -> None:
    if as_json:
        shown = {"text": visible_text(messages), "messages": messages} | ({"user": user} if user else {})
        click.echo(json.dumps(shown, ensure_ascii=False))
    else:
        click.echo(visible_text(messages))


@cli.command("fake-line", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=int)
def fake_line(host: str, port: int) -> None:
    """Run the fake LINE Messaging API (validates requests, records them)."""
    serve(host, port)


@cli.command("forget-secret-key", with_appcontext=False)
@click.option("--yes", is_flag=True, help="Confirm: every stored joining detail is deleted.")
def forget_secret_key(yes: bool) -> None:
    """For a deliberate change of KENSHU_SECRET_KEY: delete every stored joining detail and the old key's fingerprint.

    Runs without building the app (which refuses to start under a new key); the
    database is DATABASE_URL. Afterwards start with the new key, then import the
    personal details and set the shared ones again.
    """
    _ = gettext_for(DEFAULT_LOCALE)
    if not yes:
        raise click.UsageError(_("this deletes every stored joining detail; add --yes to confirm"))
    db = Database(load_settings(REPO_ROOT / "instance")["DATABASE_URL"])
    shared, personal = forget(db)
    db.engine.dispose()
    click.echo(_("deleted {shared} shared and {personal} personal details and the key's fingerprint; start with the "
                 "new key, then import and set the details again").format(shared=shared, personal=personal))


@cli.group("data")
def data_group() -> None:
    """The training knowledge in data/."""


@data_group.command("check", with_appcontext=False)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def data_check(data_dir: Path | None) -> None:
    """Check data/ exactly as the app does at start-up; exit 1 on any problem."""
    folder = data_dir or Path(os.environ.get("KENSHU_DATA_DIR") or REPO_ROOT / "data")
    result = check_data(folder)
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    click.echo(f"{folder}: OK")


if __name__ == "__main__":  # ``python -m bot.cli.main``: how ``kenshu worker --processes N`` starts its processes
    main()
