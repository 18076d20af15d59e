"""The front desk corrects a family's contact details (issue 15) with the families domain's
own functions: staff of a location that sees the family and admins; another location's desk
and instructors are refused; every change is audited under the staff member; bad input writes
nothing; the sign-in address only before the guardian signs in."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data.models import (
    Address,
    EmailAddress,
    GuardianAccess,
    OneTimeToken,
    OneTimeTokenPurpose,
    PhoneNumber,
    User,
)
from services.accounts import one_time_tokens
from services.families.contact_changes import (
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
from services.families.contact_consent import set_email_opt_in, set_phone_opt_in
from services.families.contact_reassign import reassign_contact
from services.families.contact_validation import AddressInput
from services.families.contacts import account_contacts, desk_contacts
from services.families.login_email_change import DESK_KEEPS_OFF, LOGIN_EMAIL_TAKEN
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.services import contact_helpers as h
from tests.services.contact_helpers import written

HOME = AddressInput("5 Desk Rd", "", "Springfield", "IL", "62704")


@pytest.fixture
def acct(db: Session) -> h.Account:
    return h.account(db)


def test_the_desk_corrects_a_signed_in_guardian_s_details_and_each_change_names_it(
    db: Session, acct: h.Account
) -> None:
    """Sam signs in and keeps his own details from the primary guardian, but the desk (who
    has the family in front of it) corrects them; each entry names the staff member."""
    desk = acct.desk
    email_id = add_email(db, desk, acct.sam.id, "sam.work@example.com")
    update_email(db, desk, acct.sams.email.id, "sam.fixed@example.com")
    set_email_opt_in(db, desk, email_id, True)  # the desk adds it unsubscribed
    delete_email(db, desk, email_id)
    phone_id = add_phone(db, desk, acct.sam.id, "312 555 0177", "work")
    update_phone(db, desk, acct.sams.phone.id, "+1 312 555 0178", "home")
    set_phone_opt_in(db, desk, acct.sams.phone.id, False)
    delete_phone(db, desk, phone_id)
    address_id = add_address(db, desk, acct.sam.id, HOME)
    update_address(db, desk, acct.sams.address.id, replace(HOME, line1="6 Desk Rd"))
    delete_address(db, desk, address_id)
    db.rollback()
    assert db.get(EmailAddress, acct.sams.email.id).email == "sam.fixed@example.com"  # type: ignore[union-attr]
    phone = db.get(PhoneNumber, acct.sams.phone.id)
    assert (phone.e164, phone.label, phone.sms_opt_in) == ("+13125550178", "home", False)  # type: ignore[union-attr]
    assert db.get(Address, acct.sams.address.id).line1 == "6 Desk Rd"  # type: ignore[union-attr]
    entries = h.audit_actions(db)[-11:]
    assert entries == [
        "contact.email_added",
        "contact.email_changed",
        "consent.email_opt_in",
        "contact.email_deleted",
        "contact.phone_added",
        "contact.phone_changed",
        "consent.sms_opt_out",
        "contact.phone_deleted",
        "contact.address_added",
        "contact.address_changed",
        "contact.address_deleted",
    ]
    last = h.last_audit(db)
    assert last.actor_user_id == desk.user_id and last.family_id == acct.gym.family.id
    assert last.details["guardian"] == "Sam Rivera"


def test_an_admin_reaches_every_family_and_the_unassigned_values(
    db: Session, acct: h.Account
) -> None:
    admin = acct.gym.admin
    update_phone(db, admin, acct.unassigned.phone.id, "312 555 0190", "home")
    set_email_opt_in(db, admin, acct.unassigned.email.id, True)
    delete_address(db, admin, acct.unassigned.address.id)
    add_email(db, admin, acct.gym.other_guardian.guardian_id, "okafor.new@example.com")
    assert h.last_audit(db).actor_user_id == admin.user_id


def test_another_location_s_desk_and_instructors_are_refused_and_nothing_is_written(
    db: Session, acct: h.Account
) -> None:
    before = written(db)
    calls = [
        lambda a: add_email(db, a, acct.alex.id, "x@example.com"),
        lambda a: update_email(db, a, acct.mine.email.id, "x@example.com"),
        lambda a: delete_email(db, a, acct.mine.email.id),
        lambda a: set_email_opt_in(db, a, acct.mine.email.id, False),
        lambda a: add_phone(db, a, acct.alex.id, "312 555 0111"),
        lambda a: update_phone(db, a, acct.mine.phone.id, "312 555 0111", "home"),
        lambda a: delete_phone(db, a, acct.mine.phone.id),
        lambda a: set_phone_opt_in(db, a, acct.mine.phone.id, False),
        lambda a: add_address(db, a, acct.alex.id, HOME),
        lambda a: update_address(db, a, acct.mine.address.id, HOME),
        lambda a: delete_address(db, a, acct.unassigned.address.id),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="was not found"):
            call(acct.gym.south_desk)
        with pytest.raises(AccessDenied, match="at the front desk"):
            call(acct.instructor)
    assert written(db) == before


def test_bad_input_from_the_desk_writes_nothing(db: Session, acct: h.Account) -> None:
    before = written(db)
    desk = acct.desk
    for call, message in [
        (lambda: add_email(db, desk, acct.sam.id, "sam@"), "valid e-mail"),
        (lambda: update_email(db, desk, acct.sams.email.id, "jamie@example.com"), "already on"),
        (lambda: add_phone(db, desk, acct.sam.id, "555"), "phone number"),
        (lambda: add_phone(db, desk, acct.sam.id, "312 555 0103"), "already on"),
        (lambda: update_phone(db, desk, acct.sams.phone.id, "312 555 0101", "pager"), "mobile"),
        (lambda: add_address(db, desk, acct.sam.id, replace(HOME, city="")), "city"),
        (
            lambda: update_address(db, desk, acct.sams.address.id, replace(HOME, postal_code="1")),
            "ZIP",
        ),
        (lambda: set_email_opt_in(db, desk, acct.sams.email.id, "no"), "subscribed"),  # type: ignore[arg-type]
        (lambda: delete_email(db, desk, acct.alex_login.id), LOGIN_EMAIL_KEPT),
    ]:
        with pytest.raises(ValidationError) as refused:
            call()
        assert message in refused.value.message
    assert written(db) == before


def test_the_desk_may_not_change_the_address_a_guardian_signs_in_with(
    db: Session, acct: h.Account
) -> None:
    """Alex signs in: a desk that changed his address on a phone call could hand the account
    to whoever called."""
    before = written(db)
    for actor in (acct.desk, acct.gym.admin):
        with pytest.raises(AccessDenied) as refused:
            update_email(db, actor, acct.alex_login.id, "alex.new@example.com")
        assert refused.value.message == DESK_KEEPS_OFF.format(name="Alex Rivera")
    assert written(db) == before


def test_the_desk_corrects_a_sign_in_address_before_the_guardian_signs_in(
    db: Session, acct: h.Account
) -> None:
    """Robin was invited at a mistyped address: the desk corrects it, the account follows,
    the link already sent stops working, and nothing goes to the mistyped address."""
    robin_account = f.user(db, "robin@exmaple.com")
    acct.robin.user_id = robin_account.id
    login = h.email(db, acct.gym.family.id, acct.robin, "robin@exmaple.com")
    login.is_login = True
    _, token_id = one_time_tokens.issue(
        db, OneTimeTokenPurpose.INVITATION, timedelta(hours=72), user_id=robin_account.id
    )
    db.commit()
    with pytest.raises(ValidationError) as taken:
        update_email(db, acct.desk, login.id, "desk@example.com")  # the staff member's own
    assert taken.value.message == LOGIN_EMAIL_TAKEN
    before = written(db)
    update_email(db, acct.desk, login.id, "robin@example.com")
    db.rollback()
    assert db.get(User, robin_account.id).email == "robin@example.com"  # type: ignore[union-attr]
    assert db.get(EmailAddress, login.id).email == "robin@example.com"  # type: ignore[union-attr]
    assert db.get(OneTimeToken, token_id).revoked_at is not None  # type: ignore[union-attr]
    after = written(db)
    assert after["outbox"] == before["outbox"]  # the mistyped address is told nothing
    entry = h.last_audit(db)
    assert (entry.action, entry.actor_user_id) == ("contact.login_email_changed", acct.desk.user_id)
    assert entry.details["old"] == "robin@exmaple.com"
    assert acct.robin.access is GuardianAccess.INVITE_SENT


def test_the_desk_reads_every_guardian_s_details(db: Session, acct: h.Account) -> None:
    view = desk_contacts(db, acct.desk, acct.gym.family.id)
    by_name = {g.name: g for g in view.guardians}
    assert all(g.editable for g in view.guardians)
    assert [e.email for e in by_name["Sam Rivera"].emails] == [
        acct.sam_login.email,
        "sam.home@example.com",
    ]
    assert [a.line1 for a in view.unassigned.addresses] == ["4 Old Rd"]
    assert not any(g.is_self for g in view.guardians)
    assert desk_contacts(db, acct.gym.admin, acct.gym.other_family.id).guardians
    for actor, error in [
        (acct.gym.south_desk, NotFound),
        (acct.instructor, AccessDenied),
        (acct.primary, AccessDenied),
    ]:
        with pytest.raises(error):
            desk_contacts(db, actor, acct.gym.family.id)
    # The Account page stays the guardians' own: the desk does not read it.
    with pytest.raises(AccessDenied):
        account_contacts(db, acct.desk)


def test_the_desk_moves_an_unassigned_value_within_the_family_only(
    db: Session, acct: h.Account
) -> None:
    before = written(db)
    with pytest.raises(NotFound, match="guardian was not found"):  # a guardian of another family
        reassign_contact(
            db, acct.desk, "phone", acct.unassigned.phone.id, acct.gym.other_guardian.guardian_id
        )
    with pytest.raises(NotFound):
        reassign_contact(db, acct.gym.south_desk, "phone", acct.unassigned.phone.id, acct.sam.id)
    with pytest.raises(AccessDenied):
        reassign_contact(db, acct.instructor, "phone", acct.unassigned.phone.id, acct.sam.id)
    assert written(db) == before
    reassign_contact(db, acct.desk, "phone", acct.unassigned.phone.id, acct.sam.id)
    db.rollback()
    assert db.get(PhoneNumber, acct.unassigned.phone.id).guardian_id == acct.sam.id  # type: ignore[union-attr]
    assert h.last_audit(db).actor_user_id == acct.desk.user_id
