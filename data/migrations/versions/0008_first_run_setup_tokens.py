"""first-run setup links: one-time tokens without a subject

Issue 15, "First run": while the database has no administrator, the server prints a one-time
setup link (services/accounts/setup_link.py). Its token is a `one_time_tokens` row with the
new purpose "setup" and no user or guardian (nobody exists yet), so the purpose's CHECK
constraint gains the value and `has_subject` allows a setup token without one.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-04 15:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _purpose(*values: str) -> sa.Enum:
    return sa.Enum(*values, name='one_time_token_purpose', native_enum=False, create_constraint=True, length=32)


OLD_PURPOSES = ('invitation', 'password_reset')
OLD_SUBJECT = 'user_id IS NOT NULL OR guardian_id IS NOT NULL'
NEW_SUBJECT = "user_id IS NOT NULL OR guardian_id IS NOT NULL OR purpose = 'setup'"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('one_time_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_one_time_tokens_has_subject'), type_='check')
        batch_op.alter_column('purpose', existing_type=_purpose(*OLD_PURPOSES), type_=_purpose(*OLD_PURPOSES, 'setup'), existing_nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_one_time_tokens_has_subject'), NEW_SUBJECT)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM one_time_tokens WHERE purpose = 'setup'")
    with op.batch_alter_table('one_time_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_one_time_tokens_has_subject'), type_='check')
        batch_op.alter_column('purpose', existing_type=_purpose(*OLD_PURPOSES, 'setup'), type_=_purpose(*OLD_PURPOSES), existing_nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_one_time_tokens_has_subject'), OLD_SUBJECT)
