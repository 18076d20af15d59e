"""money at the desk: card_refunds and desk_entry_requests

card_refunds: each desk refund of a card payment is committed as pending with its idempotency
key before Stripe is asked (and a refund Stripe reports gets a row too); a payment is never
refunded beyond its amount minus its pending and succeeded refunds.
desk_entry_requests: the form submission that recorded a desk payment, charge or credit, so a
double-click records it once.

Revision ID: 0015_desk_money
Revises: 0014_moneyview
Create Date: 2026-12-04 17:14:13.661015

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0015_desk_money'
down_revision: Union[str, Sequence[str], None] = '0014_moneyview'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('card_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('payment_attempt_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='card_refund_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('gateway_refund_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('error_message', sa.String(length=500), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', data.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', data.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_card_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_card_refunds_created_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_card_refunds_family_id_families'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_attempt_id'], ['payment_attempts.id'], name=op.f('fk_card_refunds_payment_attempt_id_payment_attempts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_refunds')),
    sa.UniqueConstraint('gateway_refund_id', name=op.f('uq_card_refunds_gateway_refund_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_card_refunds_idempotency_key'))
    )
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_refunds_payment_attempt_id'), ['payment_attempt_id'], unique=False)

    op.create_table('desk_entry_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_at', data.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_desk_entry_requests_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_entry_requests')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_desk_entry_requests_entry_id')),
    sa.UniqueConstraint('request_key', name=op.f('uq_desk_entry_requests_request_key'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('desk_entry_requests')
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_refunds_payment_attempt_id'))

    op.drop_table('card_refunds')
