"""When autopay runs and which card it charges: the billing day of each month (try 1) and
the retries N and M days later (tries 2 and 3), in the business's time zone; the primary
guardian's primary card authorized for recurring billing; whether it will have expired by a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, select

from data.models import Guardian, PaymentMethod, PaymentMethodType
from services.kernel import clock
from services.kernel.settings import PortalSettings

NOTICE_DAYS_BEFORE = 7  # expiring-card notices go out this long before a billing day


@dataclass(frozen=True)
class AutopayRun:
    """One run: the billing period it charges for and which try it is."""

    billing_date: date  # the billing day of the period
    try_number: int  # 1 on the billing day, then 2 and 3 for the retries that are on
    days_after: int = 0  # the run's day, counted from the billing day

    @property
    def period(self) -> str:
        return f"{self.billing_date:%Y-%m}"

    @property
    def run_date(self) -> date:
        return self.billing_date + timedelta(days=self.days_after)

    def idempotency_key(self, family_id: int) -> str:
        """The one attempt a family may have for this run, whoever runs it and how often."""
        return f"autopay:{family_id}:{self.period}:{self.try_number}"


def business_today(settings: PortalSettings) -> date:
    return clock.today_in(settings.time_zone)


def run_offsets(settings: PortalSettings) -> list[int]:
    """Days after the billing day on which autopay runs: 0, then each retry that is on."""
    retries = (settings.autopay_first_retry_days, settings.autopay_second_retry_days)
    return [0, *sorted(days for days in retries if days > 0)]


def autopay_run_on(settings: PortalSettings, day: date) -> AutopayRun | None:
    """The run that falls on `day`, if any (retries are at most 14 days after the billing
    day, so a day belongs to one run at most)."""
    for try_number, offset in enumerate(run_offsets(settings), start=1):
        billed = day - timedelta(days=offset)
        if billed.day == settings.billing_day:
            return AutopayRun(billed, try_number, offset)
    return None


def next_billing_date(settings: PortalSettings, day: date) -> date:
    """The first billing day on or after `day`."""
    candidate = day.replace(day=settings.billing_day)
    if candidate >= day:
        return candidate
    month_after = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return month_after.replace(day=settings.billing_day)


def expired_by(exp_month: int | None, exp_year: int | None, day: date) -> bool:
    """A card is good through the last day of its expiry month."""
    if exp_month is None or exp_year is None:
        return False
    return (exp_year, exp_month) < (day.year, day.month)


def autopay_card_query() -> Select:
    """(PaymentMethod, user id, Stripe customer id) of the primary guardian's primary card
    authorized for recurring billing: at most one per family (one primary guardian, one
    primary method per guardian). Cards only; nothing else is charged automatically."""
    return (
        select(PaymentMethod, Guardian.user_id, Guardian.gateway_customer_id)
        .join(
            Guardian,
            and_(
                Guardian.id == PaymentMethod.guardian_id,
                Guardian.family_id == PaymentMethod.family_id,
            ),
        )
        .where(
            Guardian.is_primary.is_(True),
            PaymentMethod.is_primary.is_(True),
            PaymentMethod.recurring_authorized.is_(True),
            PaymentMethod.type == PaymentMethodType.CARD,
        )
    )
