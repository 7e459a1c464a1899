"""Builders shared by test modules (a test module never imports another)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import insert, select

from bot import clock
from bot.clock import JST
from bot.db.tables import Enrolment, LineUser, Subscription
from bot.qa import Answerer, Question, Reply
from bot.services import Services

NANCHISEI = "nanchisei-tokyo-r5"


def add_users(app: Flask, count: int, *, prefix: str = "U", training: str | None = None,
              **columns: object) -> list[str]:
    """Create LINE users directly in the database (optionally subscribed); returns their LINE ids."""
    now = clock.now()
    ids = [f"{prefix}{n:032x}"[-33:] for n in range(count)]
    with Services.of(app).db.session() as session:
        session.execute(insert(LineUser), [{"line_user_id": i, "created_at": now, **columns} for i in ids])
        if training:
            user_ids = session.scalars(select(LineUser.id).where(LineUser.line_user_id.in_(ids))).all()
            session.execute(
                insert(Subscription), [{"user_id": u, "training_id": training, "created_at": now} for u in user_ids]
            )
    return ids


def roster(app: Flask, *args: str) -> Result:
    """Run ``kenshu roster ARGS`` as a clerk would."""
    return app.test_cli_runner().invoke(args=["roster", *args])


def write_roster(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def enrolments(app: Flask, edition_id: str = NANCHISEI) -> dict[str, Enrolment]:
    with Services.of(app).db.session() as session:
        rows = session.scalars(select(Enrolment).where(Enrolment.edition_id == edition_id))
        return {row.application_no: row for row in rows}


def import_one(app: Flask, tmp_path: Path, application_no: str = "N-900", name: str = "山田 花子",
               course: str = "クロザピン基礎研修") -> str:
    """Import a one-row roster and return the new enrolment's link code."""
    row = f"{application_no},{name},a@example.jp,{course}\n"
    path = write_roster(tmp_path, "申込番号,氏名,メールアドレス,コース\n" + row, name=f"{application_no}.csv")
    result = roster(app, "import", str(path), "--edition", NANCHISEI)
    assert result.exit_code == 0, result.output
    code = enrolments(app)[application_no].link_code
    assert code is not None
    return code


# --- question answering ------------------------------------------------------------

JUNE_20_2023 = datetime(2023, 6, 20, 9, 0, tzinfo=JST)  # the 000 and 004 editions' application period
JUNE_27_2023 = datetime(2023, 6, 27, 10, 0, tzinfo=JST)  # three days before their 6月30日 deadline
AUGUST_5_2025 = datetime(2025, 8, 5, 9, 0, tzinfo=JST)  # before the ECMO edition's first session day


def ask(
    answerer: Answerer,
    text: str,
    now: datetime = JUNE_27_2023,
    locale: str = "ja",
    *,
    linked_edition_ids: tuple[str, ...] = (),
    subscribed_training_ids: tuple[str, ...] = (),
    last_training_id: str | None = None,
) -> Reply:
    """The bot's reply to ``text`` asked at ``now`` by a trainee it knows this much about."""
    return answerer.answer(Question(
        text=text,
        locale=locale,
        now=now,
        linked_edition_ids=linked_edition_ids,
        subscribed_training_ids=subscribed_training_ids,
        last_training_id=last_training_id,
    ))
