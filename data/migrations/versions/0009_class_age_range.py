"""classes: an optional age range (min_age, max_age in whole years)

A class may say which ages it takes; enrolling from the desk refuses a student outside it.
Existing classes have no range (both NULL): every age, as before.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-04 15:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_age', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('max_age')
        batch_op.drop_column('min_age')
