"""talk to a person: handed-over conversations, their messages and saved replies

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import bot.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=300), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('title')
    )
    op.create_table('handoff_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('handed_over_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_message_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['line_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('handoff_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_conversations_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=16), nullable=False),
    sa.Column('to_staff', sa.Boolean(), nullable=False),
    sa.Column('clerk', sa.String(length=254), nullable=True),
    sa.Column('decision', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('quick_replies', sa.JSON(), nullable=False),
    sa.Column('reply_key', sa.String(length=64), nullable=True),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['handoff_conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['line_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reply_key')
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_messages_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_handoff_messages_user_at', ['user_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_messages_user_at')
        batch_op.drop_index(batch_op.f('ix_handoff_messages_conversation_id'))

    op.drop_table('handoff_messages')
    with op.batch_alter_table('handoff_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_conversations_status_updated')

    op.drop_table('handoff_conversations')
    op.drop_table('saved_replies')
