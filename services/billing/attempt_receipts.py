"""The receipt of a succeeded online payment: what the page shows after paying, and the e-mail
queued to the payer in the same transaction as the payment entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, LedgerEntry, PaymentAttempt, User
from services.billing.ledger import unchecked_family_balance
from services.kernel import clock, outbox
from services.kernel.money import format_cents

ONLINE = "Online payment, "
AUTOMATIC = "Automatic payment, "  # autopay (services.billing.autopay)


def payment_description(attempt: PaymentAttempt, method_label: str) -> str:
    """The payment entry's description: the family sees which payments autopay made."""
    return f"{AUTOMATIC if attempt.autopay_try else ONLINE}{method_label}"


@dataclass(frozen=True)
class Receipt:
    attempt_id: int
    amount_cents: int
    currency: str
    paid_at: datetime
    method_label: str
    reference: str
    remaining_balance_cents: int


def _receipt(db: Session, attempt: PaymentAttempt) -> Receipt:
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.payment_attempt_id == attempt.id))
    assert entry is not None
    balance = _balance_cents(db, attempt.family_id)
    return Receipt(
        attempt_id=attempt.id,
        amount_cents=entry.amount_cents,
        currency=attempt.currency,
        paid_at=entry.posted_at,
        method_label=entry.description.removeprefix(ONLINE).removeprefix(AUTOMATIC),
        reference=entry.external_ref or "",
        remaining_balance_cents=balance,
    )


def _balance_cents(db: Session, family_id: int) -> int:
    return unchecked_family_balance(db, family_id).balance_cents


def _queue_receipt(db: Session, attempt: PaymentAttempt, label: str) -> None:
    """The payer's receipt, queued in the same transaction as the payment entry."""
    address = _payer_email(db, attempt.user_id)
    if not address:
        return
    remaining = _balance_cents(db, attempt.family_id)
    amount = format_cents(attempt.amount_cents, attempt.currency)
    body = "\n".join(
        [
            "Thank you for your payment.",
            "",
            f"Amount:     {amount}",
            f"Paid with:  {label}",
            f"Date:       {clock.now():%Y-%m-%d %H:%M} UTC",
            f"Reference:  {attempt.gateway_intent_id}",
            f"Balance after this payment: {format_cents(remaining, attempt.currency)}",
            "",
            "The amount charged is exactly the amount shown above; there are no added fees.",
        ]
    )
    outbox.enqueue_email(
        db,
        to_address=address,
        subject=f"Payment receipt: {amount}",
        body_text=body,
        kind="receipt",
        family_id=attempt.family_id,
    )


def _payer_email(db: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    login = db.scalar(
        select(EmailAddress.email)
        .join(Guardian, Guardian.id == EmailAddress.guardian_id)
        .where(Guardian.user_id == user_id, EmailAddress.is_login.is_(True))
    )
    if login:
        return login
    user = db.get(User, user_id)
    return user.email if user else ""
