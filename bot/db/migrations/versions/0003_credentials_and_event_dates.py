"""credentials and event dates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 23:14:29.132248
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_dates',
    sa.Column('event_id', sa.String(length=160), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=True),
    sa.Column('set_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('shared_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=96), nullable=False),
    sa.Column('tool', sa.String(length=100), nullable=True),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'target')
    )
    with op.batch_alter_table('shared_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_credentials_edition_id'), ['edition_id'], unique=False)

    op.create_table('personal_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=96), nullable=False),
    sa.Column('tool', sa.String(length=100), nullable=True),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrolment_id', 'target')
    )
    with op.batch_alter_table('personal_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_credentials_enrolment_id'), ['enrolment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('personal_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_credentials_enrolment_id'))

    op.drop_table('personal_credentials')
    with op.batch_alter_table('shared_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_credentials_edition_id'))

    op.drop_table('shared_credentials')
    op.drop_table('event_dates')
