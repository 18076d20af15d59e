"""sign-in lockout per address and client; reset and invitation links made when sent

Sign-in throttles (issue 13, item 12):

Failed sign-ins were counted per e-mail address only, so anyone could lock a parent out by
typing their address with wrong passwords. Rows are now kept per address and client (keyed
by a hash of both, with the address's hash in `account_hash` so a password reset lifts them
all) and per address, where `window_started_at` starts the hour a larger ceiling counts in
(services/accounts/sign_in_throttle.py). Both columns are nullable: existing rows are per-address
rows whose window starts again at their next failure.

Outbox (issue 13, items 8 and 11): reset and invitation e-mails no longer keep their link;
the sender creates it when it sends (services/messages/link_mail.py). The links already stored in
bodies are replaced by the placeholder, so no usable token stays in the table: a queued one
gets a fresh link when sent; a sent one keeps working in the addressee's mailbox until it
expires. An index on (to_address, kind, created_at) serves the reset form's repeat check
and the sender's "replaced by a newer message" check.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04 14:15:00.000000

"""
from typing import Sequence, Union

import re

from alembic import op
import sqlalchemy as sa

import data.types


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


LINK = re.compile(r"https?://\S+?[?&](?:reset|invitation)=[A-Za-z0-9_-]+")
PLACEHOLDER = "[link created when sent]"  # services.kernel.outbox.LINK_PLACEHOLDER at this revision


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_to_address_kind_created', ['to_address', 'kind', 'created_at'], unique=False)

    outbox = sa.table('outbox', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('body_text', sa.Text))
    bind = op.get_bind()
    stored = bind.execute(
        sa.select(outbox.c.id, outbox.c.body_text).where(outbox.c.kind.in_(['password_reset', 'invitation']))
    ).all()
    for message_id, body in stored:
        redacted = LINK.sub(PLACEHOLDER, body)
        if redacted != body:
            bind.execute(outbox.update().where(outbox.c.id == message_id).values(body_text=redacted))

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

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_to_address_kind_created')
