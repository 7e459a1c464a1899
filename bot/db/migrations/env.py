"""Alembic environment: the URL and metadata come from the app, not from alembic.ini."""

from alembic import context

import bot.db.tables  # noqa: F401  (registers every table on Base.metadata)
from bot.db import Base, for_backend, make_engine

config = context.config
connection = config.attributes.get("connection")


def run() -> None:
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          include_object=for_backend(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True,
                          include_object=for_backend(conn.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
