"""catalog: archiving programs, levels and skills; terms

Back office (issue 15): programs, levels and skills get `is_active` (archived ones leave
parents' choices but stay in history; existing rows stay active), and the new `terms` table
holds the named date ranges classes run in.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 15:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ARCHIVABLE = ('programs', 'levels', 'skills')


def upgrade() -> None:
    """Upgrade schema."""
    for table in ARCHIVABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint('end_date > start_date', name=op.f('ck_terms_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
    sa.UniqueConstraint('name', name=op.f('uq_terms_name'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('terms')
    for table in reversed(ARCHIVABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('is_active')
