"""What a guardian sees about autopay on Billing: which card is charged and when, or why
nothing is charged automatically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Guardian, PaymentMethod
from services.billing.autopay_schedule import (
    autopay_card_query,
    business_today,
    expired_by,
    next_billing_date,
)
from services.billing.payments import Gateway
from services.kernel.access import Actor, require_guardian
from services.kernel.settings import get_settings


@dataclass(frozen=True)
class AutopayStatus:
    card: str | None  # "Visa •••• 4242", None: no card is charged automatically
    card_owner: str  # the primary guardian's full name
    next_run: date  # the next billing day
    expired_by_then: bool  # the card will have expired by the next billing day


def autopay_status(db: Session, actor: Actor, gateway: Gateway) -> AutopayStatus | None:
    """The family's autopay, for any of its guardians; None while autopay is off (the
    setting, or no card processor configured)."""
    family_id = require_guardian(actor)
    settings = get_settings(db)
    if not settings.autopay_enabled or not gateway.configured:
        return None
    next_run = next_billing_date(settings, business_today(settings))
    primary = db.execute(
        select(Guardian.first_name, Guardian.last_name).where(
            Guardian.family_id == family_id, Guardian.is_primary.is_(True)
        )
    ).first()
    owner = f"{primary.first_name} {primary.last_name}" if primary else ""
    row = db.execute(autopay_card_query().where(PaymentMethod.family_id == family_id)).first()
    if row is None:
        return AutopayStatus(None, owner, next_run, expired_by_then=False)
    method = row[0]
    return AutopayStatus(
        card=f"{method.brand.title()} •••• {method.last4}",
        card_owner=owner,
        next_run=next_run,
        expired_by_then=expired_by(method.exp_month, method.exp_year, next_run),
    )
