"""autopay: the period and try of an automatic payment attempt, when its failure was told,
and the expiring-card notices sent once per card and billing run

Revision ID: 0013_autopay
Revises: 0012_tuition
Create Date: 2026-12-04 17:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0013_autopay'
down_revision: Union[str, Sequence[str], None] = '0012_tuition'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('autopay_period', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('autopay_try', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                'failure_notified_at', data.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            'ix_payment_attempts_autopay', ['autopay_period', 'family_id'], unique=False
        )
    op.create_table(
        'card_expiry_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_method_id', sa.Integer(), nullable=False),
        sa.Column('run_on', sa.Date(), nullable=False),
        sa.Column('created_at', data.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['payment_method_id'],
            ['payment_methods.id'],
            name=op.f('fk_card_expiry_notices_payment_method_id_payment_methods'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_expiry_notices')),
        sa.UniqueConstraint(
            'payment_method_id',
            'run_on',
            name=op.f('uq_card_expiry_notices_payment_method_id_run_on'),
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('card_expiry_notices')
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_attempts_autopay')
        batch_op.drop_column('failure_notified_at')
        batch_op.drop_column('autopay_try')
        batch_op.drop_column('autopay_period')
