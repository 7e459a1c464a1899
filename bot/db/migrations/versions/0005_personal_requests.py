"""personal requests: what trainees asked about their own training, and the re-sends of joining details

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('personal_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('edition_id', sa.String(length=64), nullable=True),
    sa.Column('target', sa.String(length=96), nullable=True),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['line_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('personal_requests', schema=None) as batch_op:
        batch_op.create_index('ix_personal_requests_user_asked', ['user_id', 'asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_requests_asked_at'), ['asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('personal_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_requests_asked_at'))
        batch_op.drop_index('ix_personal_requests_user_asked')
    op.drop_table('personal_requests')
