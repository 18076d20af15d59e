"""Failed automatic payments, for the desk's "Failed payments" page and the owner's money
view: newest first, a page at a time, staff seeing the families of their locations (as
services.kernel.reach decides), admins all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Family, PaymentAttempt, PaymentMethod
from services.billing.autopay_notices import FAILED
from services.billing.ledger import unchecked_family_balance
from services.kernel.access import Actor, require_staff
from services.kernel.errors import ValidationError
from services.kernel.reach import families_reached
from services.kernel.settings import get_settings
from services.kernel.validation import storable_text

PAGE_SIZE = 25


@dataclass(frozen=True)
class FailedPayment:
    attempt_id: int
    family_id: int
    family_name: str
    amount_cents: int
    currency: str
    card: str  # "Visa •••• 0341", or "card removed"
    failed_at: datetime
    reason: str
    error_code: str
    try_number: int
    period: str  # the billing period, "2026-12"
    still_owed_cents: int  # what the family owes now (0: paid since)


@dataclass(frozen=True)
class FailedPaymentsPage:
    rows: list[FailedPayment]
    total: int
    page: int  # 1-based, within 1..page_count
    page_count: int
    timezone: str  # the business's, for showing when each failed


def failed_autopay_payments(
    db: Session, actor: Actor, *, query: str = "", page: int = 1
) -> FailedPaymentsPage:
    """Failed automatic attempts the actor may see; `query` filters by family name."""
    require_staff(actor)
    if not isinstance(query, str) or not storable_text(query) or len(query) > 100:
        raise ValidationError("Search with at most 100 letters, numbers or spaces.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationError("Choose a page.")
    conditions = [PaymentAttempt.autopay_try.is_not(None), PaymentAttempt.status.in_(FAILED)]
    if (reached := families_reached(actor)) is not None:
        conditions.append(PaymentAttempt.family_id.in_(reached))
    if query.strip():
        conditions.append(Family.name.ilike(f"%{_escape_like(query.strip())}%", escape="\\"))
    matching = (
        select(PaymentAttempt.id)
        .join(Family, Family.id == PaymentAttempt.family_id)
        .where(*conditions)
        .subquery()
    )
    total = int(db.scalar(select(func.count()).select_from(matching)) or 0)
    page_count = max(1, -(-total // PAGE_SIZE))
    page = min(page, page_count)
    rows = db.execute(
        select(PaymentAttempt, Family.name, PaymentMethod.brand, PaymentMethod.last4)
        .join(Family, Family.id == PaymentAttempt.family_id)
        .outerjoin(PaymentMethod, PaymentMethod.id == PaymentAttempt.payment_method_id)
        .where(*conditions)
        .order_by(PaymentAttempt.updated_at.desc(), PaymentAttempt.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return FailedPaymentsPage(
        rows=[
            FailedPayment(
                attempt_id=attempt.id,
                family_id=attempt.family_id,
                family_name=name,
                amount_cents=attempt.amount_cents,
                currency=attempt.currency,
                card=f"{brand.title()} •••• {last4}" if last4 else "card removed",
                failed_at=attempt.updated_at,
                reason=attempt.error_message or "Declined.",
                error_code=attempt.error_code,
                try_number=attempt.autopay_try or 1,
                period=attempt.autopay_period or "",
                still_owed_cents=max(
                    0, unchecked_family_balance(db, attempt.family_id).balance_cents
                ),
            )
            for attempt, name, brand, last4 in rows
        ],
        total=total,
        page=page,
        page_count=page_count,
        timezone=get_settings(db).time_zone,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
