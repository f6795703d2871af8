"""Meeting notices and e-mail choices (issue 15)

- school.time_zone: the zone people at the school read times in (notices, .ics, screens, PDFs);
- meeting.notice_sequence: the calendar SEQUENCE of the meeting's notices;
- app_user.email_reminders / email_notices / email_choice_at: what a person chose to get by
  e-mail, and when (a family's election to get notices by e-mail, IDEA §300.505).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (constant defaults), which SQLite does in place: a batch copy of app_user
    # would lose its expression index on lower(username).
    op.add_column('school', sa.Column('time_zone', sa.String(length=64), server_default='America/Denver', nullable=False))
    op.add_column('meeting', sa.Column('notice_sequence', sa.Integer(), server_default='0', nullable=False))
    op.add_column('app_user', sa.Column('email_reminders', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('app_user', sa.Column('email_notices', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('app_user', sa.Column('email_choice_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('email_choice_at')
        batch.drop_column('email_notices')
        batch.drop_column('email_reminders')
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('notice_sequence')
    with op.batch_alter_table('school') as batch:
        batch.drop_column('time_zone')
