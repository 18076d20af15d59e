"""students: a version for the check-in code and one for the calendar link

Each is signed into the student's QR code or calendar link; resetting one adds one, so the
old code or link stops working at once without changing the app secret. Existing students
start at 1, whose codes and links are the ones already handed out (they keep working).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('checkin_code_version', sa.Integer(), server_default=sa.text('1'), nullable=False)
        )
        batch_op.add_column(
            sa.Column('calendar_link_version', sa.Integer(), server_default=sa.text('1'), nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_column('calendar_link_version')
        batch_op.drop_column('checkin_code_version')
