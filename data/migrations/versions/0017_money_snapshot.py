"""money_snapshots: the all-locations money figures a scheduled job computes

Revision ID: 0017_money_snapshot
Revises: 0016_jobs
Create Date: 2026-12-04 20:29:05.639813

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0017_money_snapshot'
down_revision: Union[str, Sequence[str], None] = '0016_jobs'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('money_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_at', data.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_snapshots'))
    )
    with op.batch_alter_table('money_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_money_snapshots_taken_at', ['taken_at'], unique=False)

    op.create_table('money_snapshot_months',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('charges_cents', sa.BigInteger(), nullable=False),
    sa.Column('payments_cents', sa.BigInteger(), nullable=False),
    sa.Column('credits_cents', sa.BigInteger(), nullable=False),
    sa.Column('refunds_cents', sa.BigInteger(), nullable=False),
    sa.Column('adjustments_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_money_snapshot_months_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['money_snapshots.id'], name=op.f('fk_money_snapshot_months_snapshot_id_money_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'location_id', 'month', name=op.f('pk_money_snapshot_months'))
    )
    op.create_table('money_snapshot_receivables',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('current_cents', sa.BigInteger(), nullable=False),
    sa.Column('days_31_60_cents', sa.BigInteger(), nullable=False),
    sa.Column('days_61_90_cents', sa.BigInteger(), nullable=False),
    sa.Column('over_90_cents', sa.BigInteger(), nullable=False),
    sa.Column('unapplied_credit_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_money_snapshot_receivables_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['money_snapshots.id'], name=op.f('fk_money_snapshot_receivables_snapshot_id_money_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'location_id', name=op.f('pk_money_snapshot_receivables'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('money_snapshot_receivables')
    op.drop_table('money_snapshot_months')
    with op.batch_alter_table('money_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_money_snapshots_taken_at')

    op.drop_table('money_snapshots')
