"""Year rollover (issue 19): next year's plan remembers what it carried over

- goal.continues_goal_id: last year's goal a continuing goal carries on (its history);
- plan_section.carried_from_id: last year's answer a profile answer was carried from.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


# SQLite's batch copy reflects the table; not the tables it refers to (app_user's lower(username)
# index is an expression SQLAlchemy cannot reflect, and warns).
NOT_REFERRED = {"resolve_fks": False}


def upgrade() -> None:
    with op.batch_alter_table('goal', schema=None, reflect_kwargs=NOT_REFERRED) as batch_op:
        batch_op.add_column(sa.Column('continues_goal_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_goal_continues_goal_id'), ['continues_goal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_goal_continues_goal_id_goal'), 'goal', ['continues_goal_id'], ['id'])

    with op.batch_alter_table('plan_section', schema=None, reflect_kwargs=NOT_REFERRED) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_section_carried_from_id_plan_section'), 'plan_section',
                                    ['carried_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('plan_section', schema=None, reflect_kwargs=NOT_REFERRED) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_section_carried_from_id_plan_section'), type_='foreignkey')
        batch_op.drop_column('carried_from_id')

    with op.batch_alter_table('goal', schema=None, reflect_kwargs=NOT_REFERRED) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_goal_continues_goal_id_goal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_goal_continues_goal_id'))
        batch_op.drop_column('continues_goal_id')
