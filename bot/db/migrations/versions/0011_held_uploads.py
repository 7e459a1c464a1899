"""the console's uploaded CSVs, held (encrypted) until the clerk confirms the import

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('held_uploads',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('edition_id', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=254), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('held_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token')
    )
    with op.batch_alter_table('held_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_uploads_held_at'), ['held_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('held_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_uploads_held_at'))

    op.drop_table('held_uploads')
