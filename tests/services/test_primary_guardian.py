"""The desk makes another guardian the primary one (issue 15): exactly one primary at all
times, who may do it, what the change means for paying and cards, the audit and the e-mails."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Guardian,
    GuardianAccess,
    OutboxMessage,
    PaymentMethod,
    PaymentMethodType,
    User,
)
from services.accounts.auth import build_actor
from services.backoffice.primary_guardian import (
    ALREADY_PRIMARY,
    NO_ADDRESS,
    REVOKED,
    make_primary_guardian,
)
from services.families.contact_changes import update_email
from services.families.editable_contacts import ONLY_OWN
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests.services import contact_helpers as h
from tests.services.contact_helpers import written


@pytest.fixture
def acct(db: Session) -> h.Account:
    return h.account(db)


def _primaries(db: Session, family_id: int) -> list[str]:
    db.rollback()
    return list(
        db.scalars(
            select(Guardian.first_name).where(Guardian.family_id == family_id, Guardian.is_primary)
        )
    )


def _actor(db: Session, guardian: Guardian) -> Actor:
    db.rollback()
    user = db.get(User, guardian.user_id)
    assert user is not None
    return build_actor(db, user)


def test_the_desk_makes_a_signed_in_secondary_the_primary_guardian(
    db: Session, acct: h.Account
) -> None:
    card = PaymentMethod(
        family_id=acct.gym.family.id, guardian_id=acct.alex.id, gateway_method_id="pm_alex",
        type=PaymentMethodType.CARD, brand="visa", last4="4242", is_primary=True,
        recurring_authorized=True, created_at=clock.now(),
    )  # fmt: skip
    db.add(card)
    db.commit()
    make_primary_guardian(db, acct.desk, acct.sam.id)
    family_id = acct.gym.family.id
    assert _primaries(db, family_id) == ["Sam"]
    alex = db.get(Guardian, acct.alex.id)
    assert alex is not None and alex.may_pay  # a secondary guardian who may still pay
    kept = db.get(PaymentMethod, card.id)
    assert kept is not None  # the card stays Alex's, with its flags
    assert (kept.guardian_id, kept.is_primary, kept.recurring_authorized) == (alex.id, True, True)
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.action, entry.actor_user_id, entry.family_id) == (
        "guardian.made_primary",
        acct.desk.user_id,
        family_id,
    )
    assert entry.details["former"] == "Alex Rivera" and entry.details["guardian"] == "Sam Rivera"
    mail = db.execute(select(OutboxMessage.to_address, OutboxMessage.kind)).all()
    sam_user, alex_user = db.get(User, acct.sam.user_id), db.get(User, alex.user_id)
    assert sorted(mail) == sorted(
        [
            (sam_user.email, "primary_guardian_changed"),  # type: ignore[union-attr]
            (alex_user.email, "primary_guardian_changed"),  # type: ignore[union-attr]
        ]
    )
    # From their next page load Sam manages the account and Alex keeps only his own details.
    sam, alex_actor = _actor(db, acct.sam), _actor(db, alex)
    assert sam.is_primary and not alex_actor.is_primary and alex_actor.may_pay
    update_email(db, sam, acct.jamies.email.id, "jamie.new@example.com")
    with pytest.raises(AccessDenied) as refused:
        update_email(db, alex_actor, acct.jamies.email.id, "jamie.other@example.com")
    assert refused.value.message == ONLY_OWN


def test_a_guardian_who_does_not_sign_in_can_become_primary_and_admins_may_do_it(
    db: Session, acct: h.Account
) -> None:
    make_primary_guardian(db, acct.gym.admin, acct.jamie.id)
    assert _primaries(db, acct.gym.family.id) == ["Jamie"]
    make_primary_guardian(db, acct.desk, acct.alex.id)
    assert _primaries(db, acct.gym.family.id) == ["Alex"]


def test_refusals_write_nothing(db: Session, acct: h.Account) -> None:
    nobody = h.guardian(db, acct.gym.family.id, "Nobody")
    gone = h.guardian(db, acct.gym.family.id, "Gone", GuardianAccess.INVITE_REVOKED)
    h.email(db, acct.gym.family.id, gone, "gone@example.com")
    db.commit()
    before = written(db)
    for actor, guardian_id, error, message in [
        (acct.desk, acct.alex.id, ValidationError, ALREADY_PRIMARY.format(name="Alex Rivera")),
        (acct.desk, gone.id, ValidationError, REVOKED.format(name="Gone Rivera")),
        (acct.desk, nobody.id, ValidationError, NO_ADDRESS.format(name="Nobody Rivera")),
        (acct.gym.south_desk, acct.sam.id, NotFound, "That guardian was not found."),
        (acct.desk, 999_999, NotFound, "That guardian was not found."),
        (acct.instructor, acct.sam.id, AccessDenied, "This is for staff only."),
        (acct.primary, acct.sam.id, AccessDenied, "This is for staff only."),
        (acct.second, acct.sam.id, AccessDenied, "This is for staff only."),
    ]:
        with pytest.raises(error) as refused:
            make_primary_guardian(db, actor, guardian_id)
        assert refused.value.message == message
    for bad in ("1", None, 1.0, True):
        with pytest.raises(ValidationError, match="is not valid"):
            make_primary_guardian(db, acct.desk, bad)  # type: ignore[arg-type]
    assert written(db) == before
    assert _primaries(db, acct.gym.family.id) == ["Alex"]


def test_two_desks_at_once_leave_exactly_one_primary(
    db: Session, engine: Engine, acct: h.Account
) -> None:
    robin_mail = h.email(db, acct.gym.family.id, acct.robin, "robin@example.com")
    assert robin_mail.id
    db.commit()
    family_id, desk = acct.gym.family.id, acct.desk
    targets = [acct.sam.id, acct.robin.id]
    db.close()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def change(guardian_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            try:
                make_primary_guardian(session, desk, guardian_id)
                outcomes.append("done")
            except ValidationError as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=change, args=(g,)) for g in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2 and "done" in outcomes
    assert len(_primaries(db, family_id)) == 1
    assert db.scalar(
        select(func.count()).where(AuditEntry.action == "guardian.made_primary")
    ) == outcomes.count("done")
