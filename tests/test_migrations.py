"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import bot.db.tables  # noqa: F401
from bot.db import Base, for_backend


def test_upgraded_database_matches_the_models(database_url):
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": for_backend(connection.dialect.name)})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    # APScheduler's own job table is created by APScheduler, not by our models.
    differences = [d for d in differences if not (d[0] == "remove_table" and d[1].name == "apscheduler_jobs")]
    assert differences == []


def test_questions_logged_before_the_review_columns_keep_their_group_and_review_state(database_url):
    """0013 fills ``topic`` from the first candidate and counts already assigned questions as handled."""
    from alembic import command
    from sqlalchemy import text

    from bot.db import migrate

    command.downgrade(migrate.alembic_config(database_url), "0012")
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO asked_questions (text, locale, kind, probability, candidates, assigned_entry_id, asked_at) "
            "VALUES ('受講票は届きますか', 'ja', 'did_you_mean', 0.3, :two, NULL, :at), "
            "('天気', 'ja', 'out_of_scope', 0.1, :none, NULL, :at), "
            "('受講料は', 'ja', 'did_you_mean', 0.4, :one, 'fee', :at)"),
            {"two": '["login-details", "fee"]', "none": "[]", "one": '["fee"]', "at": "2023-06-27 01:00:00+00:00"})
    migrate.upgrade(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT text, topic, handled_at IS NOT NULL FROM asked_questions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("受講票は届きますか", "login-details", False), ("天気", None, False),
                                             ("受講料は", "fee", True)]
