"""families: the location where staff registered the family (home_location_id)

A family created at the front desk has no class, token, pass or ledger entry yet, so no
location would reach it; its home location lets the desk that created it see it at once
(services.kernel.reach counts it as one of the family's places). Existing families have none.

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-04 15:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_location_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_families_home_location_id'), ['home_location_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_families_home_location_id_locations'),
            'locations',
            ['home_location_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_families_home_location_id_locations'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_families_home_location_id'))
        batch_op.drop_column('home_location_id')
