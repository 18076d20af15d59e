"""Settle payment attempts whose outcome is unknown by asking Stripe (never by charging again).

.venv/bin/python -m scripts.reconcile_payments admin@example.com

Run it after an outage, or from cron every few minutes. The e-mail names the staff member or
administrator it acts as (recorded in the audit log). Prints what it found.
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from data.config import load_secrets_file
from data.db import session_scope
from data.models import User
from services.accounts.auth import build_actor, normalise_email
from services.billing.payment_reconciliation import reconcile_pending
from services.billing.payments import gateway_from_env
from services.kernel.errors import DomainError


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    load_secrets_file()
    gateway = gateway_from_env()
    with session_scope() as db:
        user = db.scalar(select(User).where(User.email == normalise_email(argv[0])))
        if user is None:
            print(f"No account with the e-mail {argv[0]}.")
            return 1
        try:
            report = reconcile_pending(db, build_actor(db, user), gateway)
        except DomainError as refused:
            print(refused.message)
            return 1
    print(
        f"Checked {report.checked} pending payments: {report.succeeded} succeeded, "
        f"{report.failed} failed, {report.still_pending} still pending."
    )
    if not gateway.configured:
        print("Stripe is not configured here, so only never-started attempts were settled.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
