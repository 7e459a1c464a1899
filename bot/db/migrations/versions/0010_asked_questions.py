"""every question kept for the review loop (replaces unanswered_questions); conversation memory with its time

The unanswered questions are carried over as asked questions of their kind.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asked_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('training_id', sa.String(length=64), nullable=True),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('tapped', sa.String(length=64), nullable=True),
    sa.Column('assigned_entry_id', sa.String(length=64), nullable=True),
    sa.Column('asked_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_user_id'], ['line_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.create_index('ix_asked_questions_kind_asked', ['kind', 'asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_asked_questions_line_user_id'), ['line_user_id'], unique=False)
    op.execute(
        "INSERT INTO asked_questions (line_user_id, text, locale, kind, probability, candidates, asked_at) "
        "SELECT line_user_id, text, locale, kind, 0.0, candidates, asked_at FROM unanswered_questions"
    )
    op.drop_table('unanswered_questions')
    with op.batch_alter_table('line_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_entry_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('last_asked_at', bot.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('line_users', schema=None) as batch_op:
        batch_op.drop_column('last_asked_at')
        batch_op.drop_column('last_entry_id')
    op.create_table('unanswered_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('asked_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_user_id'], ['line_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO unanswered_questions (line_user_id, text, locale, kind, candidates, asked_at) "
        "SELECT line_user_id, text, locale, kind, candidates, asked_at FROM asked_questions "
        "WHERE kind IN ('did_you_mean', 'out_of_scope')"
    )
    op.drop_table('asked_questions')
