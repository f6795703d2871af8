"""The meeting record tells the truth (issue 14)

- meeting.opened_at: when a meeting was actually held (scheduled_at stays as planned), and
  an index on meeting.scheduled_at for the homes' "a meeting of yours today" poll;
- voice_confirmation: what the student did with each voice-first question at one meeting;
- record_signature: signatures given after finalizing, append-only, with the fingerprint read;
- set_aside: an edit that lost a conflict, so the person whose save won is told;
- school.demo_sign_ins: the demo school's made-up sign-ins, kept for the sign-in page (issue 16).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('set_aside',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('for_user', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], name=op.f('fk_set_aside_by_user_app_user')),
    sa.ForeignKeyConstraint(['for_user'], ['app_user.id'], name=op.f('fk_set_aside_for_user_app_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_set_aside_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_set_aside'))
    )
    with op.batch_alter_table('set_aside', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_set_aside_plan_id'), ['plan_id'], unique=False)

    op.create_table('voice_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.Enum('still true', 'updated', 'passed', name='voiceoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], name=op.f('fk_voice_confirmation_by_user_app_user')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_voice_confirmation_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_confirmation')),
    sa.UniqueConstraint('meeting_id', 'key', name=op.f('uq_voice_confirmation_meeting_id'))
    )
    op.create_table('record_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('signed_by', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendance.id'], name=op.f('fk_record_signature_attendance_id_attendance')),
    sa.ForeignKeyConstraint(['record_id'], ['meeting_record.id'], name=op.f('fk_record_signature_record_id_meeting_record')),
    sa.ForeignKeyConstraint(['signed_by'], ['app_user.id'], name=op.f('fk_record_signature_signed_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_signature')),
    sa.UniqueConstraint('attendance_id', name=op.f('uq_record_signature_attendance_id'))
    )
    with op.batch_alter_table('record_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_signature_record_id'), ['record_id'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo_sign_ins', sa.Text(), nullable=True))

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meeting_scheduled_at'), ['scheduled_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('demo_sign_ins')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_scheduled_at'))
        batch_op.drop_column('opened_at')

    with op.batch_alter_table('record_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_signature_record_id'))

    op.drop_table('record_signature')
    op.drop_table('voice_confirmation')
    with op.batch_alter_table('set_aside', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_set_aside_plan_id'))

    op.drop_table('set_aside')
