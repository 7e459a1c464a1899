"""indexes for the console's pages at 100,000 followers: counts, the dashboard's charts, name search

Revision ID: 0012_console_page_indexes
Revises: 0011

- line_users (status, notices_paused): followers and blocked counted from the index,
  and an audience's receivers checked without reading user rows;
- subscriptions (training_id, user_id) in place of (training_id): a training's
  subscribers listed from the index alone;
- deliveries (status, updated_at): the dashboard's chart of the last 14 days reads
  those days, not the whole ledger;
- asked_questions (kind, assigned_entry_id): the review queue counted from the index;
- on PostgreSQL, a trigram index (pg_trgm, GIN) on line_users.display_name, so that
  受講者 search by part of a name reads the index instead of every user. The extension
  is created in ``public`` (never in an application schema that could be dropped with
  it) when it is not there yet and the role may; otherwise the index is left out and
  the search scans, as before. SQLite has no such index (see README, 受講者).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_console_page_indexes'
down_revision = '0011'
branch_labels = None
depends_on = None

TRIGRAM_INDEX = 'ix_line_users_display_name_trgm'


def _trigram_schema(connection: sa.Connection) -> str | None:
    """The schema holding pg_trgm, installing it in ``public`` if possible; None if it cannot be had."""
    def installed() -> str | None:
        return connection.scalar(sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"))

    if (schema := installed()) is not None:
        return schema
    if not connection.scalar(sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")):
        return None
    if not connection.scalar(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'")):
        return None
    try:
        with connection.begin_nested():  # refused (no privilege) or created meanwhile by another migration
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except sa.exc.DBAPIError:
        pass
    return installed()


def upgrade() -> None:
    with op.batch_alter_table('line_users', schema=None) as batch_op:
        batch_op.create_index('ix_line_users_status_paused', ['status', 'notices_paused'], unique=False)
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_training_id')
        batch_op.create_index('ix_subscriptions_training_user', ['training_id', 'user_id'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_status_updated', ['status', 'updated_at'], unique=False)
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.create_index('ix_asked_questions_kind_assigned', ['kind', 'assigned_entry_id'], unique=False)
    connection = op.get_bind()
    if connection.dialect.name != 'postgresql':
        return
    schema = _trigram_schema(connection)
    if schema is not None:
        quoted = connection.dialect.identifier_preparer.quote_schema(schema)
        op.execute(f'CREATE INDEX {TRIGRAM_INDEX} ON line_users USING gin (display_name {quoted}.gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {TRIGRAM_INDEX}')  # pg_trgm stays: other schemas' indexes may use it
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_asked_questions_kind_assigned')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status_updated')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_training_user')
        batch_op.create_index('ix_subscriptions_training_id', ['training_id'], unique=False)
    with op.batch_alter_table('line_users', schema=None) as batch_op:
        batch_op.drop_index('ix_line_users_status_paused')
