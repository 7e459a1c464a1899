"""the question log's review state: the model's best entry as a column, and who handled a question when

``topic`` is filled from the first candidate of the questions already logged;
questions assigned before this revision count as handled at the time they were asked
(nobody recorded when).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('handled_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by', sa.String(length=254), nullable=True))
        batch_op.create_index('ix_asked_questions_waiting', ['handled_at', 'kind', 'asked_at'], unique=False)
        batch_op.create_index('ix_asked_questions_asked_at', ['asked_at'], unique=False)
    first_candidate = "candidates ->> 0" if op.get_bind().dialect.name == "postgresql" \
        else "json_extract(candidates, '$[0]')"
    op.execute(f"UPDATE asked_questions SET topic = {first_candidate}")
    op.execute("UPDATE asked_questions SET handled_at = asked_at WHERE assigned_entry_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_asked_questions_asked_at')
        batch_op.drop_index('ix_asked_questions_waiting')
        batch_op.drop_column('handled_by')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('topic')
