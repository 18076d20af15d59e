"""sign-in throttles: a lockout per address and client, and a per-address ceiling window

Failed sign-ins were counted per e-mail address only, so anyone could lock a parent out by
typing their address with wrong passwords. Rows are now kept per address and client (keyed
by a hash of both, with the address's hash in `account_hash` so a password reset lifts them
all) and per address, where `window_started_at` starts the hour a larger ceiling counts in
(services/sign_in_throttle.py). Both columns are nullable: existing rows are per-address
rows whose window starts again at their next failure.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04 14:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('window_started_at', data.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_sign_in_throttles_account_hash'), ['account_hash'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttles_account_hash'))
        batch_op.drop_column('window_started_at')
        batch_op.drop_column('account_hash')
