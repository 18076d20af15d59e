"""Portal settings: typed defaults, admin-only changes, validation that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, PortalSetting, Role
from services.kernel import clock
from services.kernel.errors import AccessDenied, ValidationError
from services.kernel.settings import (
    DEFAULTS,
    SETTING_NAMES,
    get_settings,
    setting_info,
    update_settings,
)
from tests import factories as f
from tests.support.queries import count_queries


def test_defaults_apply_to_an_empty_table(db: Session) -> None:
    assert get_settings(db) == DEFAULTS
    assert DEFAULTS.allow_drop and DEFAULTS.makeup_tokens_enabled
    assert not DEFAULTS.full_ledger_history and not DEFAULTS.echecks_enabled


def test_every_setting_is_described_for_the_admin_page() -> None:
    expected = {
        "allow_cancel_waitlist",
        "allow_drop",
        "allow_transfer",
        "makeup_tokens_enabled",
        "makeup_requests_enabled",
        "future_absences_enabled",
        "qr_codes_enabled",
        "punch_pass_redemption_enabled",
        "echecks_enabled",
        "full_ledger_history",
        "require_recurring_authorized_method",
        "makeup_token_expiry_days",
        "makeup_notice_hours",
        "requests_need_approval",
    }
    assert expected <= set(SETTING_NAMES)
    for name in SETTING_NAMES:
        info = setting_info(name)
        assert info.group and info.label and info.help


def test_admin_changes_settings_and_each_change_is_audited(db: Session) -> None:
    loc = f.location(db)
    admin = f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    db.commit()
    result = update_settings(
        db, admin, {"allow_drop": False, "makeup_token_expiry_days": 30, "allow_transfer": True}
    )
    assert not result.allow_drop and result.makeup_token_expiry_days == 30
    assert get_settings(db) == result
    actions = db.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "setting.changed"))
    assert sorted(actions) == ["allow_drop", "makeup_token_expiry_days"]  # unchanged: no entry


@pytest.mark.parametrize(
    "changes",
    [
        {"allow_drop": "no"},
        {"allow_drop": 0},
        {"makeup_token_expiry_days": -1},
        {"makeup_token_expiry_days": True},
        {"makeup_token_expiry_days": "30"},
        {"business_name": "x" * 501},
        {"business_name": 5},
        {"no_such_setting": True},
        {"allow_drop": False, "makeup_notice_hours": 1.5},  # one bad value: nothing stored
        {"billing_day": 0},  # issue 16: every month has days 1 to 28
        {"billing_day": 29},
        {"autopay_first_retry_days": 15},
        {"autopay_second_retry_days": 3},  # not after the first retry (3)
        {"autopay_first_retry_days": 7, "autopay_second_retry_days": 5},
        {"autopay_enabled": "yes"},
    ],
)
def test_bad_values_change_nothing(db: Session, changes: dict[str, object]) -> None:
    loc = f.location(db)
    admin = f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    db.commit()
    with pytest.raises(ValidationError):
        update_settings(db, admin, changes)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(PortalSetting)) == 0
    assert get_settings(db) == DEFAULTS


def test_only_admins_change_settings(db: Session) -> None:
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    _, _, account = f.family(db)
    parent = f.guardian_actor(db, account)
    db.commit()
    for actor in (desk, parent):
        with pytest.raises(AccessDenied):
            update_settings(db, actor, {"allow_drop": False})
    assert get_settings(db) == DEFAULTS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"billing_day": 0}, "Billing day of the month must be from 1 to 28."),
        ({"billing_day": 29}, "Billing day of the month must be from 1 to 28."),
        ({"second_student_discount_percent": 101}, "Second-student discount"),
        ({"second_class_discount_percent": 250}, "Second-class discount"),
        ({"late_fee_cents": 100_001}, "Late fee"),
        ({"late_fee_days": 0}, "Days unpaid before the late fee must be from 1 to 365."),
        ({"late_fee_days": 366, "billing_day": 5}, "Days unpaid"),  # one bad: nothing stored
    ],
)
def test_billing_settings_out_of_range_change_nothing(
    db: Session, changes: dict[str, object], message: str
) -> None:
    """Issue 16: the tuition run's settings have ranges; the edges inside are accepted."""
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    db.commit()
    with pytest.raises(ValidationError, match=message):
        update_settings(db, admin, changes)
    db.rollback()
    assert get_settings(db) == DEFAULTS
    edges = {
        "billing_day": 28,
        "second_student_discount_percent": 100,
        "late_fee_cents": 100_000,
        "late_fee_days": 1,
    }
    assert update_settings(db, admin, edges).billing_day == 28


def test_autopay_settings_default_on_the_first_with_retries_after_three_and_seven_days(
    db: Session,
) -> None:
    settings = get_settings(db)
    assert settings.autopay_enabled and settings.billing_day == 1
    assert (settings.autopay_first_retry_days, settings.autopay_second_retry_days) == (3, 7)
    assert {setting_info(n).group for n in ("billing_day", "autopay_enabled")} == {"Billing"}


def test_retries_can_be_turned_off_and_the_second_must_follow_the_first(db: Session) -> None:
    loc = f.location(db)
    admin = f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    db.commit()
    off = update_settings(db, admin, {"autopay_first_retry_days": 0, "billing_day": 28})
    assert off.autopay_first_retry_days == 0 and off.billing_day == 28
    # With the first retry off, the second may be any day; turning the first back on later
    # than the second is refused against the stored value.
    update_settings(db, admin, {"autopay_second_retry_days": 2})
    with pytest.raises(ValidationError, match="after the first"):
        update_settings(db, admin, {"autopay_first_retry_days": 2})
    assert get_settings(db).autopay_first_retry_days == 0


def test_settings_are_read_once_per_transaction_and_see_this_sessions_writes(
    db: Session, engine: Engine
) -> None:
    """get_settings keeps what it read for the transaction (pages ask several times); a row
    this session adds or changes is seen at once, flushed or not; another session's change
    shows from the next transaction."""
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    db.commit()
    assert not get_settings(db).full_ledger_history
    with count_queries(engine) as statements:
        get_settings(db)
    assert [s for s in statements if "portal_settings" in s] == []  # kept
    db.add(PortalSetting(key="full_ledger_history", value=True, updated_at=clock.now()))
    assert get_settings(db).full_ledger_history  # pending: read again (autoflush)
    db.rollback()
    f.portal_settings(db, echecks_enabled=True)  # merged and flushed
    assert get_settings(db).echecks_enabled
    db.commit()
    with Session(engine) as other:
        update_settings(other, admin, {"allow_drop": False})
    assert not get_settings(db).allow_drop  # a new transaction reads afresh
