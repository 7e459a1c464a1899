"""answer outbox; inbox leases renewed by a heartbeat

An answer decided for a webhook event is written in the commit that decides it
(``outbox_answers``) and sent once by whoever holds the event. The worker holding
an event is named (``claimed_by``) so that its heartbeat renews only its own
leases; the (user, id) index keeps each user's events in order across workers.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbox_event_id', sa.Integer(), nullable=False),
    sa.Column('reply_token', sa.String(length=64), nullable=True),
    sa.Column('push_to', sa.String(length=64), nullable=True),
    sa.Column('messages', sa.JSON(), nullable=True),
    sa.Column('event_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=True),
    sa.Column('retry_key', sa.String(length=36), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inbox_event_id'], ['inbox_events.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('inbox_event_id')
    )
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_inbox_user_order', ['source_user_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_user_order')
        batch_op.drop_column('claimed_by')
    op.drop_table('outbox_answers')
