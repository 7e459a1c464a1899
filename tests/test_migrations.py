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
