"""The autopay line a guardian sees on Billing: the card, the next billing day, or none."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from data.models import Role
from services.billing.autopay_status import autopay_status
from services.billing.payments import Gateway
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied
from tests import factories as f
from tests.services.payment_helpers import owing_family, save_card
from tests.support.localstripe import LocalStripe


def test_each_guardian_sees_the_primary_guardians_recurring_card(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 8_500)
    second: Actor = f.second_guardian(db, who.fam, "second@example.com")
    db.commit()
    assert autopay_status(db, who.actor, gateway).card is None  # type: ignore[union-attr]
    save_card(db, second, gateway, localstripe)  # a secondary guardian's card is never charged
    assert autopay_status(db, second, gateway).card is None  # type: ignore[union-attr]
    save_card(db, who.actor, gateway, localstripe)
    for actor in (who.actor, second):
        status = autopay_status(db, actor, gateway)
        assert status is not None
        assert (status.card, status.card_owner) == ("Visa •••• 4242", "Alex Rivera")
        assert status.next_run == date(2026, 12, 1) and not status.expired_by_then


def test_nothing_while_autopay_is_off_or_payments_are_not_configured(
    db: Session, localstripe: LocalStripe
) -> None:
    who = owing_family(db, 8_500)
    assert autopay_status(db, who.actor, Gateway()) is None
    f.portal_settings(db, autopay_enabled=False)
    db.commit()
    assert autopay_status(db, who.actor, localstripe.gateway()) is None


def test_staff_are_refused(db: Session) -> None:
    loc = f.location(db)
    for role in (Role.STAFF, Role.ADMIN, Role.INSTRUCTOR):
        actor = f.staff(db, f"{role.value}@example.com", [loc], role=role)
        with pytest.raises(AccessDenied):
            autopay_status(db, actor, Gateway())
