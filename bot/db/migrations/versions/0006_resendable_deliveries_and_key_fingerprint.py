"""resendable failed deliveries, their planning time, and a settings table (the secret key's fingerprint)

A send that gave up while LINE was unavailable can now be resumed with the same
retry keys: failed rows say whether a re-send may fix them, and when their key
was first planned (LINE remembers it for 24 hours from then). The settings table
holds the fingerprint of ``KENSHU_SECRET_KEY``, so a process started with another
key stops before writing anything.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resendable', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('resendable')
        batch_op.drop_column('planned_at')
    op.drop_table('settings')
