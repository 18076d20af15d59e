"""Expiring-card notices: seven days before a billing day, once per card and billing day, only
for the card autopay would charge; and who may send them."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import Family, PaymentMethod, PaymentMethodType, Role
from services.billing.autopay_notices import run_expiring_card_notices_job
from services.kernel import clock
from services.kernel.access import Actor, scheduler_actor
from services.kernel.errors import AccessDenied
from tests import factories as f
from tests.services.autopay_helpers import mails

JOB = scheduler_actor()
_ids = count(1)


def _card(
    db: Session, fam: Family, guardian_id: int, month: int, year: int, *, recurring: bool = True
) -> PaymentMethod:
    method = PaymentMethod(
        family_id=fam.id,
        guardian_id=guardian_id,
        gateway_method_id=f"pm_notice_{next(_ids)}",
        type=PaymentMethodType.CARD,
        brand="visa",
        last4="4242",
        exp_month=month,
        exp_year=year,
        is_primary=True,
        recurring_authorized=recurring,
        created_at=clock.now(),
    )
    db.add(method)
    db.flush()
    return method


@pytest.fixture
def families(db: Session) -> dict[str, Family]:
    """Today is Tue 24 Nov 2026; the billing day is the 1st, seven days away."""
    made = {}
    for name, month, year in (
        ("Ends", 11, 2026),  # good through 30 Nov: expired by 1 Dec
        ("Older", 3, 2025),
        ("Fine", 12, 2026),  # good through 31 Dec
    ):
        fam, guardian, _ = f.family(db, name)
        _card(db, fam, guardian.id, month, year)
        made[name] = fam
    fam, guardian, _ = f.family(db, "Unflagged")
    _card(db, fam, guardian.id, 11, 2026, recurring=False)
    fam, _, _ = f.family(db, "Second")
    second: Actor = f.second_guardian(db, fam, "second@example.com")
    assert second.guardian_id is not None
    _card(db, fam, second.guardian_id, 11, 2026)
    f.portal_settings(db, billing_day=1)
    db.commit()
    return made


def test_primary_guardians_whose_autopay_card_will_have_expired_are_told_once(
    db: Session, families: dict[str, Family]
) -> None:
    assert run_expiring_card_notices_job(db, JOB) == {"notified": 2}
    told = mails(db, "autopay_card_expiring")
    assert sorted(m.family_id for m in told) == sorted([families["Ends"].id, families["Older"].id])
    ends = next(m for m in told if m.family_id == families["Ends"].id)
    assert "11/2026" in ends.body_text and "(1 December 2026)" in ends.body_text
    assert "http://localhost:8501/billing" in ends.body_text
    assert run_expiring_card_notices_job(db, JOB) == {"notified": 0}
    assert len(mails(db, "autopay_card_expiring")) == 2


def test_no_notice_on_other_days_or_with_autopay_off(
    db: Session, families: dict[str, Family]
) -> None:
    clock.advance(timedelta(days=1))  # the billing day is six days away now
    assert run_expiring_card_notices_job(db, JOB) == {"notified": 0}
    clock.advance(timedelta(days=-1))
    f.portal_settings(db, autopay_enabled=False)
    db.commit()
    assert run_expiring_card_notices_job(db, JOB) == {"notified": 0}
    assert mails(db, "autopay_card_expiring") == []


def test_two_runs_at_once_tell_each_guardian_once(
    engine: Engine, db: Session, families: dict[str, Family]
) -> None:
    barrier, results, now = threading.Barrier(2), [], clock.now()

    def run() -> None:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=30)
            results.append(run_expiring_card_notices_job(own, JOB)["notified"])

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) in ([0, 2], [1, 1]), results
    assert len(mails(db, "autopay_card_expiring")) == 2


def test_only_administrators_and_the_scheduler_send_notices(
    db: Session, families: dict[str, Family]
) -> None:
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    teacher = f.staff(db, "coach@example.com", [loc], role=Role.INSTRUCTOR)
    _, _, account = f.family(db, "Parent")
    db.commit()
    for actor in (desk, teacher, f.guardian_actor(db, account)):
        with pytest.raises(AccessDenied):
            run_expiring_card_notices_job(db, actor)
    assert mails(db, "autopay_card_expiring") == []
