"""the question log's review state: the entry a question is about as a column, and who handled it when

``topic`` is filled for the questions already logged as ``log_question`` fills it
(the entry tapped or answered, else on "did you mean" and out of scope the first
candidate); questions assigned before this revision count as handled at the time
they were asked (nobody recorded when). The review queue is counted by
``ix_asked_questions_review`` from now on, so 0012's ``ix_asked_questions_kind_assigned`` goes.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('handled_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by', sa.String(length=254), nullable=True))
        batch_op.create_index('ix_asked_questions_review', ['kind', 'handled_at', 'topic', 'asked_at'], unique=False)
        batch_op.create_index('ix_asked_questions_topics', ['asked_at', 'kind', 'topic', 'tapped'], unique=False)
        batch_op.drop_index('ix_asked_questions_kind_assigned')
    first_candidate = "candidates ->> 0" if op.get_bind().dialect.name == "postgresql" \
        else "json_extract(candidates, '$[0]')"
    op.execute("UPDATE asked_questions SET topic = CASE WHEN kind IN ('did_you_mean', 'out_of_scope') "
               f"THEN COALESCE(tapped, entry_id, {first_candidate}) ELSE entry_id END")
    op.execute("UPDATE asked_questions SET handled_at = asked_at WHERE assigned_entry_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('asked_questions', schema=None) as batch_op:
        batch_op.create_index('ix_asked_questions_kind_assigned', ['kind', 'assigned_entry_id'], unique=False)
        batch_op.drop_index('ix_asked_questions_topics')
        batch_op.drop_index('ix_asked_questions_review')
        batch_op.drop_column('handled_by')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('topic')
