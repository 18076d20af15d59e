"""Changing contact details: each function's happy path, who may change whose details,
refusals that write nothing, the sign-in e-mail, duplicates, consent history, reassigning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Address,
    EmailAddress,
    GuardianAccess,
    OutboxMessage,
    PhoneNumber,
    User,
)
from services.families.contact_changes import (
    EMAIL_TAKEN,
    LOGIN_EMAIL_KEPT,
    add_address,
    add_email,
    add_phone,
    delete_address,
    delete_email,
    delete_phone,
    update_address,
    update_email,
    update_phone,
)
from services.families.contact_consent import (
    ConsentChange,
    consent_history,
    set_email_opt_in,
    set_phone_opt_in,
)
from services.families.contact_reassign import LOGIN_EMAIL_STAYS, reassign_contact
from services.families.contact_validation import AddressInput
from services.families.editable_contacts import ONLY_OWN, UNASSIGNED_PRIMARY
from services.families.login_email_change import LOGIN_EMAIL_TAKEN
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ReauthenticationRequired, ValidationError
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.services import contact_helpers as h
from tests.services.contact_helpers import written

HOME = AddressInput("10 Elm St", "Apt 2", "Springfield", "il", "62704", "us")
SAM_KEEPS = "Sam Rivera signs in and keeps their own contact details"


@pytest.fixture
def acct(db: Session) -> h.Account:
    return h.account(db)


# E-mail addresses


def test_add_email_normalises_and_records_the_value(db: Session, acct: h.Account) -> None:
    new_id = add_email(db, acct.primary, acct.jamie.id, "  Jamie.Work@Example.COM ")
    row = db.get(EmailAddress, new_id)
    assert row is not None
    assert (row.family_id, row.guardian_id, row.email, row.is_login, row.blasts_opt_in) == (
        acct.gym.family.id,
        acct.jamie.id,
        "jamie.work@example.com",
        False,
        True,
    )
    assert row.created_at == FIXED_NOW
    entry = h.last_audit(db)
    assert (entry.action, entry.entity, entry.entity_id, entry.family_id) == (
        "contact.email_added",
        "email_addresses",
        str(new_id),
        acct.gym.family.id,
    )
    assert entry.actor_user_id == acct.primary.user_id
    assert entry.details == {
        "guardian_id": acct.jamie.id,
        "guardian": "Jamie Rivera",
        "email": "jamie.work@example.com",
    }


def test_update_email_changes_a_plain_address(db: Session, acct: h.Account) -> None:
    update_email(db, acct.second, acct.sams.email.id, "Sam.New@example.com")
    db.rollback()
    assert db.get(EmailAddress, acct.sams.email.id).email == "sam.new@example.com"  # type: ignore[union-attr]
    entry = h.last_audit(db)
    assert entry.action == "contact.email_changed"
    assert entry.details["old"] == "sam.home@example.com"
    assert entry.details["new"] == "sam.new@example.com"
    before = written(db)
    update_email(db, acct.second, acct.sams.email.id, "SAM.NEW@example.com")  # no change
    assert written(db) == before


def test_delete_email(db: Session, acct: h.Account) -> None:
    delete_email(db, acct.primary, acct.unassigned.email.id)
    db.rollback()
    assert db.get(EmailAddress, acct.unassigned.email.id) is None
    entry = h.last_audit(db)
    assert entry.action == "contact.email_deleted"
    assert entry.details == {
        "guardian_id": None,
        "guardian": None,
        "email": "old.family@example.com",
    }


def test_the_sign_in_e_mail_cannot_be_deleted(db: Session, acct: h.Account) -> None:
    before = written(db)
    for actor, row in [(acct.primary, acct.alex_login), (acct.second, acct.sam_login)]:
        with pytest.raises(ValidationError) as refused:
            delete_email(db, actor, row.id)
        assert refused.value.message == LOGIN_EMAIL_KEPT
    assert written(db) == before


# The sign-in e-mail


def sign_in_alex(db: Session, acct: h.Account) -> Actor:
    account = db.get(User, acct.primary.user_id)
    assert account is not None
    return f.signed_in(db, account)


def test_changing_the_sign_in_e_mail_changes_the_account_and_tells_the_old_address(
    db: Session, acct: h.Account
) -> None:
    alex = sign_in_alex(db, acct)
    old = acct.alex_login.email
    update_email(db, alex, acct.alex_login.id, "Alex.New@Example.com")
    db.rollback()
    assert db.get(EmailAddress, acct.alex_login.id).email == "alex.new@example.com"  # type: ignore[union-attr]
    assert db.get(User, alex.user_id).email == "alex.new@example.com"  # type: ignore[union-attr]
    notice = db.scalars(select(OutboxMessage)).one()
    assert notice.to_address == old
    assert notice.kind == "login_email_changed"
    assert "alex.new@example.com" in notice.body_text
    entry = h.last_audit(db)
    assert entry.action == "contact.login_email_changed"
    assert entry.details["old"] == old
    assert entry.details["new"] == "alex.new@example.com"
    # The new address signs in.
    assert f.signed_in(db, db.get(User, alex.user_id)).user_id == alex.user_id  # type: ignore[arg-type]


def test_changing_the_sign_in_e_mail_needs_a_recent_sign_in(db: Session, acct: h.Account) -> None:
    before = written(db)
    with pytest.raises(ReauthenticationRequired) as refused:
        update_email(db, acct.primary, acct.alex_login.id, "alex.new@example.com")  # no session
    assert refused.value.message == "Please enter your password again to make this change."
    assert written(db) == before
    alex = sign_in_alex(db, acct)
    before = written(db)
    clock.advance(timedelta(minutes=11))
    with pytest.raises(ReauthenticationRequired):
        update_email(db, alex, acct.alex_login.id, "alex.new@example.com")
    assert written(db) == before
    # Plain addresses need no recent sign-in.
    update_email(db, acct.primary, acct.mine.email.id, "alex.other@example.com")


def test_a_sign_in_e_mail_must_be_unique_across_accounts(db: Session, acct: h.Account) -> None:
    alex = sign_in_alex(db, acct)
    before = written(db)
    with pytest.raises(ValidationError) as refused:
        update_email(db, alex, acct.alex_login.id, "Desk@example.com")  # a staff account
    assert refused.value.message == LOGIN_EMAIL_TAKEN
    assert written(db) == before
    with pytest.raises(ValidationError) as family_dup:
        update_email(db, alex, acct.alex_login.id, "jamie@example.com")
    assert family_dup.value.message == EMAIL_TAKEN
    assert written(db) == before


def test_the_primary_changes_an_invited_guardian_s_sign_in_e_mail(
    db: Session, acct: h.Account
) -> None:
    """Robin was invited (a sign-in address and an account without a password)."""
    robin_account = f.user(db, "robin@example.com")
    acct.robin.user_id = robin_account.id
    login = h.email(db, acct.gym.family.id, acct.robin, "robin@example.com")
    login.is_login = True
    db.commit()
    alex = sign_in_alex(db, acct)
    update_email(db, alex, login.id, "robin.new@example.com")
    db.rollback()
    assert db.get(User, robin_account.id).email == "robin.new@example.com"  # type: ignore[union-attr]


# Phone numbers


def test_add_phone_stores_e164_with_a_label(db: Session, acct: h.Account) -> None:
    new_id = add_phone(db, acct.second, acct.sam.id, "(312) 555-0177", "Work")
    row = db.get(PhoneNumber, new_id)
    assert row is not None
    assert (row.guardian_id, row.e164, row.label, row.sms_opt_in) == (
        acct.sam.id,
        "+13125550177",
        "work",
        True,
    )
    entry = h.last_audit(db)
    assert entry.action == "contact.phone_added"
    assert entry.details == {
        "guardian_id": acct.sam.id,
        "guardian": "Sam Rivera",
        "phone": "+13125550177",
        "label": "work",
    }
    assert add_phone(db, acct.second, acct.sam.id, "312 555 0178") > new_id  # label: mobile
    assert db.get(PhoneNumber, new_id + 1).label == "mobile"  # type: ignore[union-attr]


def test_phones_without_a_country_code_follow_the_default_region(
    db: Session, acct: h.Account
) -> None:
    f.portal_settings(db, default_phone_region="GB")
    db.commit()
    new_id = add_phone(db, acct.primary, acct.alex.id, "020 7946 0958", "home")
    assert db.get(PhoneNumber, new_id).e164 == "+442079460958"  # type: ignore[union-attr]


def test_update_phone_and_label(db: Session, acct: h.Account) -> None:
    update_phone(db, acct.primary, acct.jamies.phone.id, "+1 312 555 0188", "work")
    db.rollback()
    row = db.get(PhoneNumber, acct.jamies.phone.id)
    assert (row.e164, row.label) == ("+13125550188", "work")  # type: ignore[union-attr]
    entry = h.last_audit(db)
    assert entry.action == "contact.phone_changed"
    assert entry.details["old"] == {"phone": "+13125550103", "label": "home"}
    assert entry.details["new"] == {"phone": "+13125550188", "label": "work"}
    update_phone(db, acct.primary, acct.jamies.phone.id, "(312) 555-0188", "home")  # label only
    assert h.last_audit(db).details["new"] == {"phone": "+13125550188", "label": "home"}
    before = written(db)
    update_phone(db, acct.primary, acct.jamies.phone.id, "312.555.0188", "HOME")  # no change
    assert written(db) == before


def test_delete_phone(db: Session, acct: h.Account) -> None:
    delete_phone(db, acct.second, acct.sams.phone.id)
    db.rollback()
    assert db.get(PhoneNumber, acct.sams.phone.id) is None
    assert h.last_audit(db).details["phone"] == "+13125550102"


# Mailing addresses


def test_add_address_cleans_it(db: Session, acct: h.Account) -> None:
    new_id = add_address(db, acct.primary, acct.alex.id, HOME)
    row = db.get(Address, new_id)
    assert row is not None
    assert (row.line1, row.line2, row.city, row.region, row.postal_code, row.country) == (
        "10 Elm St",
        "Apt 2",
        "Springfield",
        "IL",
        "62704",
        "US",
    )
    entry = h.last_audit(db)
    assert entry.action == "contact.address_added"
    assert entry.details["address"] == {
        "line1": "10 Elm St",
        "line2": "Apt 2",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62704",
        "country": "US",
    }


def test_update_and_delete_address(db: Session, acct: h.Account) -> None:
    moved = AddressInput("5 Rue de Rivoli", "", "Paris", "", "75001", "FR")
    update_address(db, acct.second, acct.sams.address.id, moved)
    db.rollback()
    assert db.get(Address, acct.sams.address.id).country == "FR"  # type: ignore[union-attr]
    entry = h.last_audit(db)
    assert entry.action == "contact.address_changed"
    assert entry.details["old"]["line1"] == "2 Sam St"
    assert entry.details["new"]["city"] == "Paris"
    before = written(db)
    update_address(db, acct.second, acct.sams.address.id, moved)  # no change
    assert written(db) == before
    delete_address(db, acct.second, acct.sams.address.id)
    db.rollback()
    assert db.get(Address, acct.sams.address.id) is None
    assert h.last_audit(db).action == "contact.address_deleted"


# Who may change what: every function


@dataclass(frozen=True)
class Case:
    who: str  # attribute of Account giving the actor
    holder: str  # "mine", "sams", "jamies", "unassigned", "others"


ALLOWED = [
    Case("primary", "mine"),
    Case("primary", "jamies"),
    Case("primary", "unassigned"),
    Case("second", "sams"),
    Case("desk", "others"),  # the front desk, for a family seen at its location
]
REFUSED = [
    (Case("primary", "sams"), AccessDenied, SAM_KEEPS),
    (Case("second", "mine"), AccessDenied, ONLY_OWN),
    (Case("second", "jamies"), AccessDenied, ONLY_OWN),
    (Case("second", "unassigned"), AccessDenied, UNASSIGNED_PRIMARY),
    (Case("outsider", "mine"), NotFound, "was not found"),
    (Case("outsider", "unassigned"), NotFound, "was not found"),
    (Case("primary", "others"), NotFound, "was not found"),
]
Op = Callable[[Session, Actor, int, int], object]


def flipped(db: Session, model: type[EmailAddress] | type[PhoneNumber], row_id: object) -> bool:
    """The opposite of the row's current consent (False for ids that are not rows)."""
    row = db.get(model, row_id) if type(row_id) is int else None
    if row is None:
        return False
    return not (row.blasts_opt_in if isinstance(row, EmailAddress) else row.sms_opt_in)


ROW_OPS: dict[str, tuple[str, Op]] = {
    "update_email": ("email", lambda db, a, i, n: update_email(db, a, i, f"new{n}@example.com")),
    "delete_email": ("email", lambda db, a, i, n: delete_email(db, a, i)),
    "set_email_opt_in": (
        "email",
        lambda db, a, i, n: set_email_opt_in(db, a, i, flipped(db, EmailAddress, i)),
    ),
    "update_phone": (
        "phone",
        lambda db, a, i, n: update_phone(db, a, i, f"+1 312 555 01{50 + n}", "work"),
    ),
    "delete_phone": ("phone", lambda db, a, i, n: delete_phone(db, a, i)),
    "set_phone_opt_in": (
        "phone",
        lambda db, a, i, n: set_phone_opt_in(db, a, i, flipped(db, PhoneNumber, i)),
    ),
    "update_address": (
        "address",
        lambda db, a, i, n: update_address(
            db, a, i, AddressInput(f"{n} New St", "", "Town", "IL", "62704")
        ),
    ),
    "delete_address": ("address", lambda db, a, i, n: delete_address(db, a, i)),
}


@pytest.mark.parametrize("op_name", sorted(ROW_OPS))
def test_who_may_change_a_contact_value(db: Session, acct: h.Account, op_name: str) -> None:
    kind, op = ROW_OPS[op_name]
    before = written(db)
    for n, (case, error, message) in enumerate(REFUSED):
        actor: Actor = getattr(acct, case.who)
        row_id = getattr(getattr(acct, case.holder), kind).id
        with pytest.raises(error) as refused:
            op(db, actor, row_id, n)
        assert message in refused.value.message, case
    # Another location's desk finds nothing; instructors are not the desk.
    with pytest.raises(NotFound) as outside:
        op(db, acct.gym.south_desk, getattr(acct.mine, kind).id, 0)
    assert outside.value.message.endswith("was not found.")
    with pytest.raises(AccessDenied, match="at the front desk"):
        op(db, acct.instructor, getattr(acct.mine, kind).id, 0)
    # A missing id answers exactly like another family's.
    with pytest.raises(NotFound) as missing:
        op(db, acct.primary, 999_999, 0)
    with pytest.raises(NotFound) as foreign:
        op(db, acct.primary, getattr(acct.others, kind).id, 0)
    assert missing.value.message == foreign.value.message
    for bad in ("1", None, 1.0, True):
        with pytest.raises(ValidationError, match="is not valid"):
            op(db, acct.primary, bad, 0)  # type: ignore[arg-type]
    assert written(db) == before
    for n, case in enumerate(ALLOWED, start=20):
        op(db, getattr(acct, case.who), getattr(getattr(acct, case.holder), kind).id, n)
    assert written(db)["audit_log"] == before["audit_log"] + len(ALLOWED)


ADD_OPS: dict[str, Callable[[Session, Actor, int, int], int]] = {
    "add_email": lambda db, a, g, n: add_email(db, a, g, f"added{n}@example.com"),
    "add_phone": lambda db, a, g, n: add_phone(db, a, g, f"312 555 01{60 + n}"),
    "add_address": lambda db, a, g, n: add_address(
        db, a, g, AddressInput(f"{n} Added St", "", "Town", "IL", "62704")
    ),
}


@pytest.mark.parametrize("op_name", sorted(ADD_OPS))
def test_who_may_add_a_contact_value(db: Session, acct: h.Account, op_name: str) -> None:
    op = ADD_OPS[op_name]
    before = written(db)
    refused_cases = [
        (acct.primary, acct.sam.id, AccessDenied, SAM_KEEPS),
        (acct.second, acct.alex.id, AccessDenied, ONLY_OWN),
        (acct.second, acct.jamie.id, AccessDenied, ONLY_OWN),
        (acct.outsider, acct.alex.id, NotFound, "That guardian was not found."),
        (acct.primary, acct.gym.other_guardian.guardian_id, NotFound, "guardian was not found"),
        (acct.primary, 999_999, NotFound, "That guardian was not found."),
        (acct.gym.south_desk, acct.alex.id, NotFound, "That guardian was not found."),
        (acct.instructor, acct.alex.id, AccessDenied, "at the front desk"),
    ]
    for n, (actor, guardian_id, error, message) in enumerate(refused_cases):
        with pytest.raises(error) as refused:
            op(db, actor, guardian_id, n)
        assert message in refused.value.message
    for bad in ("1", None, 1.0, False):
        with pytest.raises(ValidationError, match="That guardian is not valid"):
            op(db, acct.primary, bad, 9)  # type: ignore[arg-type]
    assert written(db) == before
    added = [
        op(db, acct.primary, acct.alex.id, 10),
        op(db, acct.primary, acct.jamie.id, 11),
        op(db, acct.primary, acct.robin.id, 12),
        op(db, acct.second, acct.sam.id, 13),
        op(db, acct.desk, acct.sam.id, 14),  # the desk: any guardian of a family it sees
        op(db, acct.gym.admin, acct.gym.other_guardian.guardian_id, 15),
    ]
    assert len(set(added)) == 6
    after = written(db)
    assert after["audit_log"] == before["audit_log"] + 6


# Bad input writes nothing


BAD_INPUT: list[tuple[str, Callable[[Session, h.Account], object], str]] = [
    (
        "add_email",
        lambda db, a: add_email(db, a.primary, a.alex.id, "not-an-email"),
        "valid e-mail",
    ),
    ("add_email", lambda db, a: add_email(db, a.primary, a.alex.id, ""), "Enter an e-mail"),
    ("add_email", lambda db, a: add_email(db, a.primary, a.alex.id, None), "Enter an e-mail"),
    ("update_email", lambda db, a: update_email(db, a.primary, a.mine.email.id, "a@b"), "period"),
    (
        "update_email",
        lambda db, a: update_email(db, a.primary, a.alex_login.id, " "),
        "Enter an e-mail",
    ),
    (
        "add_phone",
        lambda db, a: add_phone(db, a.primary, a.alex.id, "555-0123"),
        "not a valid phone",
    ),
    ("add_phone", lambda db, a: add_phone(db, a.primary, a.alex.id, ""), "Enter a phone number"),
    (
        "add_phone",
        lambda db, a: add_phone(db, a.primary, a.alex.id, "312 555 0123", "pager"),
        "mobile, home, work or other",
    ),
    (
        "add_phone",
        lambda db, a: add_phone(db, a.primary, a.alex.id, "312 555 0123", None),
        "mobile, home, work or other",
    ),
    (
        "update_phone",
        lambda db, a: update_phone(db, a.primary, a.mine.phone.id, "12", "home"),
        "too short",
    ),
    (
        "update_phone",
        lambda db, a: update_phone(db, a.primary, a.mine.phone.id, "3125550123", ""),
        "mobile, home",
    ),
    (
        "add_address",
        lambda db, a: add_address(
            db, a.primary, a.alex.id, AddressInput("", "", "X", "IL", "62704")
        ),
        "Enter the street address",
    ),
    (
        "add_address",
        lambda db, a: add_address(
            db, a.primary, a.alex.id, AddressInput("1 A St", "", "X", "IL", "6270")
        ),
        "ZIP code",
    ),
    (
        "add_address",
        lambda db, a: add_address(db, a.primary, a.alex.id, {"line1": "1 A St"}),
        "mailing address is not valid",
    ),
    (
        "update_address",
        lambda db, a: update_address(
            db, a.primary, a.mine.address.id, AddressInput("1 A St", "", "X", "", "62704")
        ),
        "Enter the state",
    ),
    (
        "set_email_opt_in",
        lambda db, a: set_email_opt_in(db, a.primary, a.mine.email.id, "no"),
        "subscribed or unsubscribed",
    ),
    (
        "set_phone_opt_in",
        lambda db, a: set_phone_opt_in(db, a.primary, a.mine.phone.id, 0),
        "subscribed or unsubscribed",
    ),
    (
        "reassign_contact",
        lambda db, a: reassign_contact(db, a.primary, "fax", a.mine.phone.id, a.jamie.id),
        "Choose an e-mail address, a phone number or a mailing address",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [(c, m) for _, c, m in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT]
)
def test_bad_input_is_refused_and_writes_nothing(
    db: Session, acct: h.Account, call: Callable[[Session, h.Account], object], message: str
) -> None:
    before = written(db)
    with pytest.raises(ValidationError) as refused:
        call(db, acct)
    assert message in refused.value.message
    assert written(db) == before


# Duplicates in the family


def test_duplicates_in_the_family_get_a_clear_message(db: Session, acct: h.Account) -> None:
    before = written(db)
    with pytest.raises(ValidationError) as dup_email:
        add_email(db, acct.primary, acct.alex.id, "JAMIE@example.com")  # Jamie's
    assert dup_email.value.message == EMAIL_TAKEN
    with pytest.raises(ValidationError, match="already on your family's account"):
        add_email(db, acct.second, acct.sam.id, "alex.work@example.com")  # Alex's
    with pytest.raises(ValidationError, match="already on your family's account"):
        update_email(db, acct.primary, acct.mine.email.id, "old.family@example.com")  # unassigned
    with pytest.raises(ValidationError) as dup_phone:
        add_phone(db, acct.primary, acct.alex.id, "312.555.0103")  # Jamie's
    assert dup_phone.value.message == (
        "The phone number (312) 555-0103 is already on your family's account."
    )
    with pytest.raises(ValidationError, match="already on your family's account"):
        update_phone(db, acct.primary, acct.mine.phone.id, "+13125550104", "home")
    with pytest.raises(ValidationError) as dup_address:
        add_address(
            db,
            acct.primary,
            acct.jamie.id,
            AddressInput("1 ALEX ST", "", "springfield", "Illinois", "62704"),
        )
    assert dup_address.value.message == "That mailing address is already on your family's account."
    with pytest.raises(ValidationError, match="mailing address is already"):
        update_address(
            db,
            acct.primary,
            acct.mine.address.id,
            AddressInput("4 Old Rd", "", "Springfield", "IL", "62704"),
        )
    assert written(db) == before
    # Another family's values are no duplicates.
    add_email(db, acct.primary, acct.alex.id, "okafor.work@example.com")
    add_phone(db, acct.primary, acct.alex.id, "+13125550199")
    add_address(
        db,
        acct.primary,
        acct.alex.id,
        AddressInput("9 Okafor Ave", "", "Springfield", "IL", "62704"),
    )


# Consent


def test_opting_out_and_in_is_the_consent_history(db: Session, acct: h.Account) -> None:
    set_email_opt_in(db, acct.primary, acct.mine.email.id, False)
    clock.advance(timedelta(minutes=5))
    set_phone_opt_in(db, acct.primary, acct.jamies.phone.id, False)
    clock.advance(timedelta(minutes=5))
    set_email_opt_in(db, acct.primary, acct.mine.email.id, True)
    set_email_opt_in(db, acct.primary, acct.mine.email.id, True)  # no change: not recorded
    set_phone_opt_in(db, acct.second, acct.sams.phone.id, False)
    db.rollback()
    assert db.get(EmailAddress, acct.mine.email.id).blasts_opt_in is True  # type: ignore[union-attr]
    assert db.get(PhoneNumber, acct.jamies.phone.id).sms_opt_in is False  # type: ignore[union-attr]
    later = FIXED_NOW + timedelta(minutes=10)
    assert consent_history(db, acct.primary) == [
        ConsentChange(later, "Alex Rivera", "email", "alex.work@example.com", True),
        ConsentChange(
            FIXED_NOW + timedelta(minutes=5), "Alex Rivera", "sms", "+13125550103", False
        ),
        ConsentChange(FIXED_NOW, "Alex Rivera", "email", "alex.work@example.com", False),
    ]
    # Sam's own change is Sam's; the primary does not see it (Sam keeps their details).
    assert consent_history(db, acct.second) == [
        ConsentChange(later, "Sam Rivera", "sms", "+13125550102", False)
    ]
    assert consent_history(db, acct.outsider) == []
    assert h.audit_actions(db) == [
        "consent.email_opt_out",
        "consent.sms_opt_out",
        "consent.email_opt_in",
        "consent.sms_opt_out",
    ]
    for staff in (acct.gym.desk, acct.gym.admin):
        with pytest.raises(AccessDenied):
            consent_history(db, staff)


def test_unassigned_consent_is_the_primary_guardian_s_to_see(db: Session, acct: h.Account) -> None:
    set_email_opt_in(db, acct.primary, acct.unassigned.email.id, True)
    assert [c.value for c in consent_history(db, acct.primary)] == ["old.family@example.com"]
    assert consent_history(db, acct.second) == []


# Reassigning


def test_reassign_an_unassigned_value_to_a_guardian(db: Session, acct: h.Account) -> None:
    reassign_contact(db, acct.primary, "email", acct.unassigned.email.id, acct.jamie.id)
    reassign_contact(db, acct.primary, "phone", acct.unassigned.phone.id, acct.alex.id)
    reassign_contact(db, acct.primary, "address", acct.unassigned.address.id, acct.robin.id)
    reassign_contact(db, acct.primary, "phone", acct.mine.phone.id, acct.jamie.id)  # non-login
    db.rollback()
    assert db.get(EmailAddress, acct.unassigned.email.id).guardian_id == acct.jamie.id  # type: ignore[union-attr]
    assert db.get(PhoneNumber, acct.unassigned.phone.id).guardian_id == acct.alex.id  # type: ignore[union-attr]
    assert db.get(Address, acct.unassigned.address.id).guardian_id == acct.robin.id  # type: ignore[union-attr]
    assert db.get(PhoneNumber, acct.mine.phone.id).guardian_id == acct.jamie.id  # type: ignore[union-attr]
    entry = h.last_audit(db)
    assert entry.action == "contact.phone_reassigned"
    assert entry.details == {
        "value": "+13125550101",
        "from_guardian_id": acct.alex.id,
        "from_guardian": "Alex Rivera",
        "guardian_id": acct.jamie.id,
        "guardian": "Jamie Rivera",
    }
    before = written(db)
    reassign_contact(db, acct.primary, "phone", acct.mine.phone.id, acct.jamie.id)  # already
    assert written(db) == before


def test_who_may_reassign(db: Session, acct: h.Account) -> None:
    before = written(db)
    cases = [
        (
            acct.second,
            "email",
            acct.unassigned.email.id,
            acct.sam.id,
            AccessDenied,
            "Only the primary guardian",
        ),
        (
            acct.gym.south_desk,
            "email",
            acct.unassigned.email.id,
            acct.alex.id,
            NotFound,
            "e-mail address was not found",
        ),
        (
            acct.instructor,
            "email",
            acct.unassigned.email.id,
            acct.alex.id,
            AccessDenied,
            "at the front desk",
        ),
        (
            acct.outsider,
            "email",
            acct.unassigned.email.id,
            acct.alex.id,
            NotFound,
            "e-mail address was not found",
        ),
        (
            acct.outsider,
            "email",
            acct.others.email.id,
            acct.alex.id,
            NotFound,
            "guardian was not found",
        ),
        (
            acct.primary,
            "email",
            acct.others.email.id,
            acct.alex.id,
            NotFound,
            "e-mail address was not found",
        ),
        (acct.primary, "phone", 999_999, acct.alex.id, NotFound, "phone number was not found"),
        (
            acct.primary,
            "address",
            acct.unassigned.address.id,
            acct.gym.other_guardian.guardian_id,
            NotFound,
            "guardian was not found",
        ),
        (acct.primary, "email", acct.unassigned.email.id, acct.sam.id, AccessDenied, SAM_KEEPS),
        (acct.primary, "phone", acct.sams.phone.id, acct.alex.id, AccessDenied, SAM_KEEPS),
        (
            acct.primary,
            "email",
            acct.alex_login.id,
            acct.jamie.id,
            ValidationError,
            LOGIN_EMAIL_STAYS,
        ),
        (
            acct.primary,
            "email",
            "1",
            acct.jamie.id,
            ValidationError,
            "That e-mail address is not valid.",
        ),
        (
            acct.primary,
            "email",
            acct.unassigned.email.id,
            None,
            ValidationError,
            "That guardian is not valid.",
        ),
    ]
    for actor, kind, contact_id, guardian_id, error, message in cases:
        with pytest.raises(error) as refused:
            reassign_contact(db, actor, kind, contact_id, guardian_id)  # type: ignore[arg-type]
        assert message in refused.value.message
    assert written(db) == before


def test_a_guardian_in_another_state_is_managed_by_the_primary(
    db: Session, acct: h.Account
) -> None:
    acct.sam.access = GuardianAccess.INVITE_REVOKED
    db.commit()
    update_phone(db, acct.primary, acct.sams.phone.id, "312 555 0190", "home")
    reassign_contact(db, acct.primary, "email", acct.unassigned.email.id, acct.sam.id)
    db.rollback()
    assert db.get(PhoneNumber, acct.sams.phone.id).e164 == "+13125550190"  # type: ignore[union-attr]
