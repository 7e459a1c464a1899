"""link throttle keyed by a hash of the LINE user id (replaces link_attempts)

The throttle no longer names the user, so it survives 「データ削除」; the old
attempts were only ever read for the last hour, so none are carried over.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_throttles',
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('window_started_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_codes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject')
    )
    with op.batch_alter_table('link_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_throttles_window_started_at'), ['window_started_at'], unique=False)

    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_attempts_user_id'))
    op.drop_table('link_attempts')


def downgrade() -> None:
    op.create_table('link_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['line_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_attempts_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('link_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_throttles_window_started_at'))
    op.drop_table('link_throttles')
