"""Portal settings: every "(if enabled)" of the product, typed, with defaults, read in one place."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import PortalSetting
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import ValidationError
from services.kernel.money import require_currency
from services.kernel.validation import require_time_zone


@dataclass(frozen=True)
class SettingInfo:
    group: str
    label: str
    help: str


def _setting(default: Any, group: str, label: str, help: str) -> Any:
    return field(default=default, metadata={"info": SettingInfo(group, label, help)})


@dataclass(frozen=True)
class PortalSettings:
    """The business's choices. Stored values override these defaults key by key."""

    # Business details (statements, receipts, year-end statements)
    business_name: str = _setting(
        "Cartwheel Gym", "Business", "Business name", "Shown on statements and e-mails."
    )
    business_address: str = _setting(
        "", "Business", "Business address", "Printed on statements and receipts."
    )
    business_tax_id: str = _setting(
        "", "Business", "Tax id", "Printed on year-end statements (tax / FSA / dependent care)."
    )
    default_phone_region: str = _setting(
        "US", "Business", "Default phone region", "Country assumed for phone numbers (ISO code)."
    )
    time_zone: str = _setting(
        "America/Chicago",
        "Business",
        "Business time zone",
        "IANA name, such as America/Chicago. Each location keeps its own for its classes.",
    )
    currency: str = _setting(
        "usd",
        "Financial",
        "Currency",
        "Three-letter code (USD, EUR, GBP…); amounts show with its symbol or code.",
    )
    # Class registration
    allow_cancel_waitlist: bool = _setting(
        True,
        "Class registration",
        "Allow cancel waitlist",
        "Parents may take a student off a class waitlist.",
    )
    allow_drop: bool = _setting(
        True, "Class registration", "Allow drop", "Parents may drop a student from a class."
    )
    allow_transfer: bool = _setting(
        True,
        "Class registration",
        "Allow transfer",
        "Parents may move a student to another class of the same program.",
    )
    requests_need_approval: bool = _setting(
        True,
        "Class registration",
        "Drops and transfers wait for staff",
        "When on, a drop or transfer becomes a request that staff approve; "
        "when off, it applies at once.",
    )
    # Makeups
    makeup_tokens_enabled: bool = _setting(
        True,
        "Makeups",
        "Makeup tokens",
        "Absences reported in time earn a token that books a makeup class.",
    )
    makeup_requests_enabled: bool = _setting(
        False,
        "Makeups",
        "Allow visitors to request a makeup enrollment",
        "When tokens are off, parents may ask staff for a makeup class.",
    )
    makeup_token_expiry_days: int = _setting(
        60, "Makeups", "Token expiry (days)", "How long a makeup token can be used."
    )
    makeup_notice_hours: int = _setting(
        24,
        "Makeups",
        "Notice needed (hours)",
        "An absence reported at least this long before class earns a token.",
    )
    makeup_booking_window_days: int = _setting(
        30, "Makeups", "Booking window (days)", "How far ahead a makeup can be booked."
    )
    closure_remedy: str = _setting(
        "token",
        "Makeups",
        "What a closure gives",
        "For each class meeting a closure day cancels, each student receives a makeup token "
        "(token), a credit of the class's tuition for that meeting (credit), or nothing (none).",
    )
    # Absences
    future_absences_enabled: bool = _setting(
        True, "Absences", "Future absences", "Parents may report absences ahead of time."
    )
    # QR codes
    qr_codes_enabled: bool = _setting(
        True, "QR codes", "Student QR codes", "Parents see a check-in QR code per student."
    )
    # Punch passes
    punch_passes_enabled: bool = _setting(
        True, "Punch passes", "Show punch passes", "Parents see their punch passes."
    )
    punch_pass_redemption_enabled: bool = _setting(
        False,
        "Punch passes",
        "Punch-pass redemption in the portal",
        "Parents may use a punch for a class themselves.",
    )
    # Financial
    echecks_enabled: bool = _setting(
        False, "Financial", "eChecks", "Parents may save bank accounts (where the gateway can)."
    )
    full_ledger_history: bool = _setting(
        False,
        "Financial",
        "Show full ledger history, not just the last 30-day history",
        "Parents pick any date range for ledgers and statements.",
    )
    require_recurring_authorized_method: bool = _setting(
        False,
        "Financial",
        "Require saved payment method authorized for recurring billing",
        "Parents cannot delete methods or turn off recurring billing.",
    )
    max_payment_cents: int = _setting(
        500_000,
        "Financial",
        "Largest online payment (cents)",
        "The most a parent can pay in one online payment.",
    )
    # Billing (issue 16)
    billing_day: int = _setting(
        1,
        "Billing",
        "Billing day of the month",
        "The day (1 to 28) the month's tuition is posted and autopay charges recurring cards.",
    )
    autopay_enabled: bool = _setting(
        True,
        "Billing",
        "Autopay",
        "On the billing day, charge each family's balance to the primary guardian's primary "
        "card authorized for recurring billing. Families without one are simply billed.",
    )
    autopay_first_retry_days: int = _setting(
        3,
        "Billing",
        "First autopay retry (days after the billing day)",
        "A declined automatic payment is tried again this many days later (0: no retry).",
    )
    autopay_second_retry_days: int = _setting(
        7,
        "Billing",
        "Second autopay retry (days after the billing day)",
        "Tried once more this many days after the billing day; later than the first retry "
        "(0: no second retry).",
    )
    # Money at the desk: front-desk staff record cash and check payments and charges of any
    # amount; credits, voids and card refunds above these amounts need an administrator.
    desk_credit_limit_cents: int = _setting(
        10_000,
        "Money at the desk",
        "Largest credit the front desk may give (cents)",
        "A credit above this amount needs an administrator.",
    )
    desk_void_limit_cents: int = _setting(
        10_000,
        "Money at the desk",
        "Largest entry the front desk may void (cents)",
        "Voiding a charge, payment or credit above this amount needs an administrator.",
    )
    desk_refund_limit_cents: int = _setting(
        10_000,
        "Money at the desk",
        "Largest card refund the front desk may make (cents)",
        "Counted over all refunds of one payment: above this, an administrator refunds it.",
    )
    # Sign-in
    require_two_factor_for_staff: bool = _setting(
        True,
        "Sign-in",
        "Require two-factor sign-in for staff",
        "Staff, instructors and admins confirm each sign-in with a code from an "
        "authenticator app (they set it up at their next sign-in).",
    )
    # Billing: the monthly tuition run (issue 16)
    second_student_discount_percent: int = _setting(
        0,
        "Billing",
        "Second-student discount (%)",
        "Taken off the tuition of each student after the first in a family (0–100).",
    )
    second_class_discount_percent: int = _setting(
        0,
        "Billing",
        "Second-class discount (%)",
        "Taken off the tuition of each class after a student's first (0–100); a line that "
        "qualifies for both discounts gets the larger.",
    )
    late_fee_cents: int = _setting(
        0,
        "Billing",
        "Late fee (cents)",
        "Charged once on a tuition charge still unpaid after the days below (0: no late fee).",
    )
    late_fee_days: int = _setting(
        15,
        "Billing",
        "Days unpaid before the late fee",
        "How many days after a tuition charge is posted the late fee is due (1–365).",
    )


DEFAULTS = PortalSettings()
SETTING_NAMES = tuple(f.name for f in fields(PortalSettings))
# Text settings that take one of a few values (the form offers them as a choice).
SETTING_CHOICES: dict[str, tuple[str, ...]] = {"closure_remedy": ("token", "credit", "none")}
# Whole-number settings with limits beyond "not negative" (inclusive).
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "billing_day": (1, 28),  # every month has it
    "autopay_first_retry_days": (0, 14),  # retries end before the next billing day
    "autopay_second_retry_days": (0, 14),
    "second_student_discount_percent": (0, 100),
    "second_class_discount_percent": (0, 100),
    "late_fee_cents": (0, 100_000),
    "late_fee_days": (1, 365),
}


def setting_info(name: str) -> SettingInfo:
    return next(f.metadata["info"] for f in fields(PortalSettings) if f.name == name)


def get_settings(db: Session) -> PortalSettings:
    """The portal settings in force. Readable by anyone signed in (they shape what pages show).
    Read once per transaction: a page's services ask several times (six on Billing). This
    session's own writes are seen (a setting row added or changed and not yet flushed skips
    the kept copy); a change committed by another session shows from the next transaction."""
    kept = db.info.get(_KEPT)
    if kept is not None and kept[0] is db.get_transaction() and not _setting_rows_pending(db):
        return kept[1]
    rows = db.execute(select(PortalSetting.key, PortalSetting.value))
    stored = {key: value for key, value in rows}
    known = {name: _coerce(name, stored[name]) for name in SETTING_NAMES if name in stored}
    settings = replace(DEFAULTS, **known)
    db.info[_KEPT] = (db.get_transaction(), settings)
    return settings


_KEPT = "portal_settings"  # Session.info key: (the transaction, its settings)


def _setting_rows_pending(db: Session) -> bool:
    return any(isinstance(row, PortalSetting) for row in (*db.new, *db.dirty, *db.deleted))


@event.listens_for(Session, "after_flush")
def _forget_kept_settings(db: Session, _context: object) -> None:
    """A flush that wrote a setting row: the next `get_settings` reads again."""
    if _setting_rows_pending(db):  # still listed in new / dirty / deleted during after_flush
        db.info.pop(_KEPT, None)


def _coerce(name: str, value: Any) -> Any:
    expected = type(getattr(DEFAULTS, name))
    if expected is bool:
        if not isinstance(value, bool):
            raise ValidationError(f"{setting_info(name).label} must be on or off.")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{setting_info(name).label} must be a whole number.")
        if value < 0:
            raise ValidationError(f"{setting_info(name).label} cannot be negative.")
        return value
    if not isinstance(value, str) or len(value) > 500:
        raise ValidationError(f"{setting_info(name).label} must be text of at most 500 characters.")
    choices = SETTING_CHOICES.get(name)
    if choices is not None and value.strip() not in choices:
        raise ValidationError(f"{setting_info(name).label} must be one of: {', '.join(choices)}.")
    return value.strip()


def _checked(name: str, value: Any) -> Any:
    """Settings other code relies on being well formed are checked when stored."""
    if name == "time_zone":
        return require_time_zone(value, "business time zone")
    if name == "currency":
        return require_currency(value)
    if name in SETTING_RANGES:
        low, high = SETTING_RANGES[name]
        if not low <= value <= high:
            raise ValidationError(f"{setting_info(name).label} must be from {low} to {high}.")
    return value


def _check_together(settings: PortalSettings) -> None:
    """Rules between settings, checked on the values that would be in force."""
    first, second = settings.autopay_first_retry_days, settings.autopay_second_retry_days
    if first and second and second <= first:
        raise ValidationError("The second autopay retry must come after the first one.")


def update_settings(db: Session, actor: Actor, changes: dict[str, Any]) -> PortalSettings:
    """Admin only: store changed values (validated all first, so a bad one changes nothing)."""
    require_admin(actor)
    unknown = sorted(set(changes) - set(SETTING_NAMES))
    if unknown:
        raise ValidationError(f"Unknown setting: {', '.join(unknown)}.")
    clean = {name: _checked(name, _coerce(name, value)) for name, value in changes.items()}
    begin_write(db)  # reads, then writes: take SQLite's write lock first (data/db.py)
    current = get_settings(db)
    try:
        _check_together(replace(current, **clean))
    except ValidationError:
        db.rollback()
        raise
    moment = clock.now()
    for name, value in clean.items():
        old = getattr(current, name)
        if old == value:
            continue
        row = db.get(PortalSetting, name)
        if row is None:
            db.add(
                PortalSetting(
                    key=name, value=value, updated_at=moment, updated_by_user_id=actor.user_id
                )
            )
        else:
            row.value, row.updated_at, row.updated_by_user_id = value, moment, actor.user_id
        audit.record(
            db,
            actor,
            "setting.changed",
            entity="setting",
            entity_id=name,
            details={"old": old, "new": value},
        )
    db.commit()
    return get_settings(db)
