"""instructor role; two-factor sign-in (TOTP secret, recovery codes)

Issue 15 (staff and two-factor sign-in): the role CHECK constraint gains 'instructor' (SQLite
alters it by copying the table in batch mode; PostgreSQL drops and re-creates it). Users get
the encrypted TOTP secret, when it was confirmed and the last accepted time step (so a code
is not accepted twice); recovery codes are kept hashed, one row each.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROLES_BEFORE = "role IN ('guardian', 'staff', 'admin')"
ROLES_AFTER = "role IN ('guardian', 'staff', 'admin', 'instructor')"


def _roles(check: str) -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint('role', check)


def upgrade() -> None:
    """Upgrade schema."""
    _roles(ROLES_AFTER)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', data.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', data.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', data.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_codes_user_id_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret_encrypted')
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'instructor'")
    _roles(ROLES_BEFORE)
