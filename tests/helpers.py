"""Builders shared by test modules (a test module never imports another)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import insert, select

from bot import clock
from bot.db.tables import LineUser, Subscription
from bot.services import Services


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
