"""Reminders (issue 15): what each person was reminded of, and their one-click stop link

- reminder_sent: one row per person and thing reminded of, so `send-due` is idempotent;
- app_user.email_stop_token: the token of the "stop these e-mails" link.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=100), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_reminder_sent_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('user_id', 'item_key', name=op.f('uq_reminder_sent_user_id'))
    )
    op.create_index(op.f('ix_reminder_sent_item_key'), 'reminder_sent', ['item_key'], unique=False)
    # Plain ADD COLUMN plus a separate unique index: SQLite adds a column in place only without
    # a constraint, and a batch copy of app_user would lose its lower(username) index.
    op.add_column('app_user', sa.Column('email_stop_token', sa.String(length=64), nullable=True))
    op.create_index('uq_app_user_email_stop_token', 'app_user', ['email_stop_token'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_app_user_email_stop_token', table_name='app_user')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('email_stop_token')
    op.drop_index(op.f('ix_reminder_sent_item_key'), table_name='reminder_sent')
    op.drop_table('reminder_sent')
