"""scheduled_job_runs: each scheduled job's run per period, claimed by one process only

Revision ID: 0016_jobs
Revises: 0015_desk_money
Create Date: 2026-12-04 17:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0016_jobs'
down_revision: Union[str, Sequence[str], None] = '0015_desk_money'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'scheduled_job_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_name', sa.String(length=60), nullable=False),
        sa.Column('period_key', sa.String(length=60), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'running', 'succeeded', 'failed', name='job_run_status',
                native_enum=False, create_constraint=True, length=32,
            ),
            nullable=False,
        ),
        sa.Column('trigger', sa.String(length=20), nullable=False),
        sa.Column('triggered_by_user_id', sa.Integer(), nullable=True),
        sa.Column('runner', sa.String(length=120), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('started_at', data.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lease_until', data.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', data.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('error', sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ['triggered_by_user_id'], ['users.id'],
            name=op.f('fk_scheduled_job_runs_triggered_by_user_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_job_runs')),
        sa.UniqueConstraint(
            'job_name', 'period_key', name=op.f('uq_scheduled_job_runs_job_name_period_key')
        ),
    )
    with op.batch_alter_table('scheduled_job_runs', schema=None) as batch_op:
        batch_op.create_index(
            'ix_scheduled_job_runs_job_started', ['job_name', 'started_at'], unique=False
        )
        batch_op.create_index(
            'uq_scheduled_job_runs_one_running',
            ['job_name'],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('scheduled_job_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_scheduled_job_runs_one_running')
        batch_op.drop_index('ix_scheduled_job_runs_job_started')
    op.drop_table('scheduled_job_runs')
