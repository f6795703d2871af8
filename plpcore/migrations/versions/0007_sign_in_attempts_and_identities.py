"""Sign-in a district can trust (issue 18): attempts kept for throttling, and school sign-in identities

- sign_in_attempt: every password attempt with its address, so every server throttles alike;
- identity: an OIDC (issuer, subject) linked to an account.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempt'))
    )
    op.create_index('ix_sign_in_attempt_address_at', 'sign_in_attempt', ['address', 'at'], unique=False)
    op.create_index('ix_sign_in_attempt_username_at', 'sign_in_attempt', ['username', 'at'], unique=False)
    op.create_table('identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_identity_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_identity_issuer'))
    )
    op.create_index(op.f('ix_identity_user_id'), 'identity', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_identity_user_id'), table_name='identity')
    op.drop_table('identity')
    op.drop_index('ix_sign_in_attempt_username_at', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_address_at', table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')
