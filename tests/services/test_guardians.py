"""Guardians on the Account page: the list, adding a guardian (with or without an invitation)
and the payment permission; only the primary guardian manages them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    EmailAddress,
    Family,
    Guardian,
    OutboxMessage,
    PhoneNumber,
    Role,
    User,
)
from services.accounts import auth
from services.accounts.reauth import RECENT_SIGN_IN, reauthenticate
from services.families.guardians import (
    GuardianView,
    add_guardian,
    list_guardians,
    set_payment_permission,
)
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ReauthenticationRequired, ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER
from tests import factories as f

BASE = "http://localhost:8501"


def _primary(db: Session, name: str = "Rivera") -> tuple[Family, Actor]:
    fam, _, account = f.family(db, name)
    return fam, f.signed_in(db, account)


def _add(db: Session, actor: Actor, **overrides: object) -> GuardianView:
    values: dict[str, object] = {
        "first_name": "Sam",
        "last_name": "Rivera",
        "email": "sam@example.com",
        "phone": "",
        "invite": False,
        "base_url": BASE,
    }
    values.update(overrides)
    return add_guardian(db, actor, **values)  # type: ignore[arg-type]


def _counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (Guardian, EmailAddress, PhoneNumber, User, OutboxMessage, AuditEntry)
    )


def test_add_a_guardian_with_e_mail_and_phone(db: Session) -> None:
    fam, primary = _primary(db)
    view = _add(db, primary, first_name="  Sam ", email=" Sam@Example.COM ", phone="312 555 0123")
    assert view == GuardianView(
        view.id, "Sam Rivera", "sam@example.com", "no_login", may_pay=False, is_primary=False
    )
    email = db.scalars(select(EmailAddress).where(EmailAddress.guardian_id == view.id)).one()
    phone = db.scalars(select(PhoneNumber).where(PhoneNumber.guardian_id == view.id)).one()
    assert (email.family_id, email.email, email.is_login) == (fam.id, "sam@example.com", True)
    assert (phone.family_id, phone.e164) == (fam.id, "+13125550123")
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "guardian.added")).one()
    assert (entry.family_id, entry.entity_id, entry.details) == (
        fam.id,
        str(view.id),
        {"guardian": "Sam Rivera"},
    )
    assert [g.name for g in list_guardians(db, primary)] == ["Alex Rivera", "Sam Rivera"]


def test_add_and_invite_at_once(db: Session) -> None:
    _, primary = _primary(db)
    view = _add(db, primary, invite=True)
    assert view.access == "invite_sent"
    message = db.scalars(select(OutboxMessage)).one()
    assert message.to_address == "sam@example.com" and LINK_PLACEHOLDER in message.body_text
    actions = list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["guardian.added", "invitation.sent"]


def test_inviting_needs_a_recent_sign_in_adding_alone_does_not(db: Session) -> None:
    _, primary = _primary(db)
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    before = _counts(db)
    with pytest.raises(ReauthenticationRequired):
        _add(db, primary, invite=True)
    assert _counts(db) == before
    reauthenticate(db, primary, f.PASSWORD)
    assert _add(db, primary, invite=True).access == "invite_sent"
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    assert _add(db, primary, first_name="Jo", email="jo@example.com").access == "no_login"


def test_an_unassigned_address_of_the_family_goes_to_the_new_guardian(db: Session) -> None:
    fam, primary = _primary(db)
    db.add(EmailAddress(family_id=fam.id, email="sam@example.com", created_at=clock.now()))
    db.add(PhoneNumber(family_id=fam.id, e164="+13125550123", created_at=clock.now()))
    db.commit()
    view = _add(db, primary, phone="+1 312-555-0123")
    assert (
        db.scalar(select(EmailAddress.guardian_id).where(EmailAddress.email == "sam@example.com"))
        == view.id
    )
    assert db.scalar(select(PhoneNumber.guardian_id)) == view.id
    assert db.scalar(select(func.count()).select_from(EmailAddress)) == 2  # Alex's and Sam's


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": ""}, "Enter the first name"),
        ({"last_name": "   "}, "Enter the last name"),
        ({"first_name": "Sam<script>"}, "can only contain letters"),
        ({"first_name": None}, "Enter the first name"),
        ({"email": ""}, "Enter an e-mail address"),
        ({"email": "sam@"}, "valid e-mail address"),
        ({"email": "sam@example.com\r\nBcc: x@evil.test"}, "not allowed"),
        ({"email": None}, "Enter an e-mail address"),
        ({"phone": "12"}, "phone number"),
        ({"phone": "call me"}, "phone number"),
        ({"phone": None}, "Enter a phone number"),
        ({"invite": "yes"}, "Choose whether to invite"),
        ({"email": "rivera-owner@example.com"}, "already belongs to another Cartwheel account"),
        ({"email": "alex@example.com"}, "already listed for Alex"),
        ({"phone": "312 555 0199"}, "already listed for Alex"),
        ({"invite": True, "base_url": "ftp://portal"}, "CARTWHEEL_BASE_URL"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    db: Session, overrides: dict[str, object], message: str
) -> None:
    fam, primary = _primary(db)
    f.user(db, "rivera-owner@example.com", Role.STAFF)
    alex = db.scalar(select(Guardian.id).where(Guardian.family_id == fam.id))
    db.add(
        EmailAddress(
            family_id=fam.id, guardian_id=alex, email="alex@example.com", created_at=clock.now()
        )
    )
    db.add(
        PhoneNumber(family_id=fam.id, guardian_id=alex, e164="+13125550199", created_at=clock.now())
    )
    db.commit()
    before = _counts(db)
    with pytest.raises(ValidationError, match=message):
        _add(db, primary, **overrides)
    assert _counts(db) == before


def test_payment_permission_granted_and_withdrawn(db: Session) -> None:
    fam, primary = _primary(db)
    sam = _add(db, primary, invite=True)
    set_payment_permission(db, primary, sam.id, True)
    assert db.get(Guardian, sam.id).may_pay
    set_payment_permission(db, primary, sam.id, True)  # no change, no second entry
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    set_payment_permission(db, primary, sam.id, False)  # withdrawing never waits
    assert not db.get(Guardian, sam.id).may_pay
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "guardian.payment_permission")
    ).all()
    assert [(e.family_id, e.details["allowed"]) for e in entries] == [
        (fam.id, True),
        (fam.id, False),
    ]
    with pytest.raises(ReauthenticationRequired):
        set_payment_permission(db, primary, sam.id, True)
    assert not db.get(Guardian, sam.id).may_pay


def test_a_granted_guardian_may_pay_from_their_next_page_load(db: Session) -> None:
    fam, primary = _primary(db)
    secondary = f.second_guardian(db, fam, "second@example.com")
    set_payment_permission(db, primary, secondary.guardian_id, True)
    account = db.get(User, secondary.user_id)
    assert f.signed_in(db, account).may_pay
    assert [g.may_pay for g in list_guardians(db, secondary)] == [True, True]
    assert auth.build_actor(db, account).may_pay


@pytest.mark.parametrize("allowed", ["yes", 1, None])
def test_permission_must_be_a_yes_or_no(db: Session, allowed: object) -> None:
    _, primary = _primary(db)
    sam = _add(db, primary)
    before = _counts(db)
    with pytest.raises(ValidationError, match="may make payments"):
        set_payment_permission(db, primary, sam.id, allowed)  # type: ignore[arg-type]
    assert _counts(db) == before


def test_the_primary_guardian_always_pays(db: Session) -> None:
    _, primary = _primary(db)
    with pytest.raises(ValidationError, match="primary guardian"):
        set_payment_permission(db, primary, primary.guardian_id, False)
    assert list_guardians(db, primary)[0].may_pay


def test_access_matrix(db: Session) -> None:
    """Secondary guardians and staff manage no guardians; another family's guardian answers
    like a missing one; every guardian of the family reads the list; staff do not."""
    fam, primary = _primary(db)
    _, other_primary = _primary(db, "Okafor")
    kit = _add(db, other_primary, first_name="Kit", last_name="Okafor", email="kit@example.com")
    sam = _add(db, primary)
    secondary = f.second_guardian(db, fam, "second@example.com")
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    db.commit()
    before = _counts(db)
    for actor in (secondary, desk, admin):
        with pytest.raises(AccessDenied):
            _add(db, actor, email="new@example.com")
        with pytest.raises(AccessDenied):
            set_payment_permission(db, actor, sam.id, False)
    for guardian_id in (kit.id, 999_999):
        with pytest.raises(NotFound, match="That guardian was not found"):
            set_payment_permission(db, primary, guardian_id, False)
    for bad in ("1", None, True):
        with pytest.raises(ValidationError, match="guardian is not valid"):
            set_payment_permission(db, primary, bad, False)  # type: ignore[arg-type]
    for actor in (desk, admin):
        with pytest.raises(AccessDenied):
            list_guardians(db, actor)
    assert _counts(db) == before
    assert [g.name for g in list_guardians(db, secondary)] == [
        "Alex Rivera",
        "Sam Rivera",
        "Sam Rivera",
    ]
    assert [g.name for g in list_guardians(db, other_primary)] == ["Alex Okafor", "Kit Okafor"]
