"""Account activity: the family's account changes from the audit log, as sentences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from data.models import Role
from services.families.account_activity import ActivityItem, account_activity, describe
from services.families.contact_changes import add_email, add_phone, update_address
from services.families.contact_consent import set_email_opt_in
from services.families.contact_reassign import reassign_contact
from services.families.contact_validation import AddressInput
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, ValidationError
from tests import factories as f
from tests.conftest import FIXED_NOW
from tests.services import contact_helpers as h


@pytest.fixture
def acct(db: Session) -> h.Account:
    return h.account(db)


def minute(n: int) -> Any:
    return FIXED_NOW + timedelta(minutes=n)


def log(db: Session, actor: Actor | None, action: str, family_id: int, **details: Any) -> None:
    """An audit entry as another service writes it, one minute after the previous one."""
    clock.advance(timedelta(minutes=1))
    audit.record(db, actor, action, entity="guardian", family_id=family_id, details=details or None)
    db.commit()


def test_the_family_s_account_changes_newest_first(db: Session, acct: h.Account) -> None:
    fam = acct.gym.family.id
    add_phone(db, acct.primary, acct.jamie.id, "(312) 555-0111", "home")  # minute 0
    log(db, acct.primary, "invitation.sent", fam, guardian="Jamie Rivera", email="j@example.com")
    log(db, None, "invitation.accepted", fam, guardian="Jamie Rivera")  # no user: Cartwheel
    log(db, acct.primary, "payment_method.added", fam, method="Visa ending 4242", primary=True)
    log(db, acct.gym.desk, "family.note_added", fam)  # staff-only: never shown
    log(db, acct.primary, "student.added", fam)  # not an account change
    log(db, acct.gym.desk, "guardian.removed", fam, guardian="Robin Rivera")  # unknown action
    log(db, acct.outsider, "payment_method.added", acct.gym.other_family.id, method="Amex")
    log(db, acct.primary, "guardian.payment_permission", fam, guardian="Sam Rivera", allowed=True)
    clock.advance(timedelta(minutes=1))
    set_email_opt_in(db, acct.primary, acct.unassigned.email.id, True)  # minute 9

    subscribed = "Subscribed e-mail address old.family@example.com (unassigned) to e-mail news"
    added = "Added phone number (312) 555-0111 for Jamie Rivera"
    assert account_activity(db, acct.primary) == [
        ActivityItem(minute(9), "Alex Rivera", subscribed),
        ActivityItem(minute(8), "Alex Rivera", "Allowed Sam Rivera to make payments"),
        ActivityItem(minute(6), "Desk", "Guardian removed (Robin Rivera)"),
        ActivityItem(minute(3), "Alex Rivera", "Added payment method Visa ending 4242"),
        ActivityItem(minute(2), "Cartwheel", "Jamie Rivera accepted the invitation"),
        ActivityItem(minute(1), "Alex Rivera", "Invited Jamie Rivera to sign in"),
        ActivityItem(minute(0), "Alex Rivera", added),
    ]
    assert [i.what for i in account_activity(db, acct.primary, limit=2)] == [
        subscribed,
        "Allowed Sam Rivera to make payments",
    ]
    assert [i.what for i in account_activity(db, acct.outsider)] == ["Added payment method Amex"]


def test_values_follow_the_account_page_s_rule(db: Session, acct: h.Account) -> None:
    add_email(db, acct.second, acct.sam.id, "sam.work@example.com")
    add_email(db, acct.primary, acct.alex.id, "alex.more@example.com")
    reassign_contact(db, acct.primary, "phone", acct.unassigned.phone.id, acct.jamie.id)
    update_address(
        db,
        acct.primary,
        acct.mine.address.id,
        AddressInput("1 Alex St", "Unit 5", "Springfield", "IL", "62704"),
    )
    primary = [i.what for i in account_activity(db, acct.primary)]
    second = [i.what for i in account_activity(db, acct.second)]
    assert primary == [
        "Changed mailing address of Alex Rivera from 1 Alex St, Springfield, IL 62704, US "
        "to 1 Alex St, Unit 5, Springfield, IL 62704, US",
        "Moved phone number (312) 555-0104 to Jamie Rivera",
        "Added e-mail address alex.more@example.com for Alex Rivera",
        "Added an e-mail address for Sam Rivera",  # Sam keeps their own details
    ]
    assert second == [
        "Changed a mailing address of Alex Rivera",
        "Moved a phone number to Jamie Rivera",
        "Added an e-mail address for Alex Rivera",
        "Added e-mail address sam.work@example.com for Sam Rivera",
    ]
    assert [i.who for i in account_activity(db, acct.second)][-1] == "Sam Rivera"


def test_who_names_guardians_staff_and_the_system(db: Session, acct: h.Account) -> None:
    fam = acct.gym.family.id
    nameless = f.user(db, "nameless@example.com", Role.STAFF)
    db.commit()
    staff = Actor(user_id=nameless.id, role=Role.STAFF)
    log(db, staff, "guardian.payment_permission", fam, guardian="Sam Rivera", allowed=False)
    log(db, acct.gym.admin, "invitation.revoked", fam, guardian="Robin Rivera")
    log(db, None, "auth.password_reset", fam)
    assert [(i.who, i.what) for i in account_activity(db, acct.second)] == [
        ("Cartwheel", "Reset their password with a reset link"),
        ("Owner", "Revoked Robin Rivera's invitation and sign-in"),
        ("Staff", "Stopped Sam Rivera from making payments"),
    ]


def test_only_guardians_read_their_own_family_s_activity(db: Session, acct: h.Account) -> None:
    for staff in (acct.gym.desk, acct.gym.admin):
        with pytest.raises(AccessDenied, match="parents and guardians"):
            account_activity(db, staff)
    for bad in (0, -1, 501, "10", 2.5, True):
        with pytest.raises(ValidationError):
            account_activity(db, acct.primary, limit=bad)  # type: ignore[arg-type]
    assert account_activity(db, acct.primary) == []


ALEX = {"guardian_id": 1, "guardian": "Alex Rivera"}
ADDRESS = {
    "line1": "1 A St",
    "line2": "",
    "city": "Town",
    "region": "IL",
    "postal_code": "62704",
    "country": "US",
}


@pytest.mark.parametrize(
    ("action", "details", "shown", "hidden"),
    [
        ("contact.email_added", {**ALEX, "email": "a@example.com"},
         "Added e-mail address a@example.com for Alex Rivera",
         "Added an e-mail address for Alex Rivera"),
        ("contact.email_changed", {**ALEX, "old": "a@example.com", "new": "b@example.com"},
         "Changed e-mail address of Alex Rivera from a@example.com to b@example.com",
         "Changed an e-mail address of Alex Rivera"),
        ("contact.login_email_changed", {**ALEX, "old": "a@example.com", "new": "b@example.com"},
         "Changed sign-in e-mail of Alex Rivera from a@example.com to b@example.com",
         "Changed the sign-in e-mail of Alex Rivera"),
        ("contact.email_deleted", {**ALEX, "email": "a@example.com"},
         "Deleted e-mail address a@example.com of Alex Rivera",
         "Deleted an e-mail address of Alex Rivera"),
        ("contact.phone_added", {**ALEX, "phone": "+442079460958", "label": "home"},
         "Added phone number +44 20 7946 0958 for Alex Rivera",
         "Added a phone number for Alex Rivera"),
        ("contact.phone_changed",
         {**ALEX, "old": {"phone": "+13125550101", "label": "home"},
          "new": {"phone": "+13125550101", "label": "work"}},
         "Changed phone number of Alex Rivera from (312) 555-0101 (home) to (312) 555-0101 (work)",
         "Changed a phone number of Alex Rivera"),
        ("contact.phone_deleted", {**ALEX, "phone": "+13125550101"},
         "Deleted phone number (312) 555-0101 of Alex Rivera",
         "Deleted a phone number of Alex Rivera"),
        ("contact.address_added", {**ALEX, "address": ADDRESS},
         "Added mailing address 1 A St, Town, IL 62704, US for Alex Rivera",
         "Added a mailing address for Alex Rivera"),
        ("contact.address_deleted", {"guardian_id": None, "guardian": None, "address": ADDRESS},
         "Deleted mailing address 1 A St, Town, IL 62704, US (unassigned)",
         "Deleted a mailing address (unassigned)"),
        ("contact.email_reassigned", {**ALEX, "value": "a@example.com", "from_guardian_id": None},
         "Moved e-mail address a@example.com to Alex Rivera",
         "Moved an e-mail address to Alex Rivera"),
        ("consent.email_opt_out", {**ALEX, "email": "a@example.com"},
         "Unsubscribed e-mail address a@example.com of Alex Rivera from e-mail news",
         "Unsubscribed an e-mail address of Alex Rivera from e-mail news"),
        ("consent.email_opt_in", {**ALEX, "email": "a@example.com"},
         "Subscribed e-mail address a@example.com of Alex Rivera to e-mail news",
         "Subscribed an e-mail address of Alex Rivera to e-mail news"),
        ("consent.sms_opt_out", {**ALEX, "phone": "+13125550101"},
         "Stopped text and voice messages to (312) 555-0101 of Alex Rivera",
         "Stopped text and voice messages to a phone number of Alex Rivera"),
        ("consent.sms_opt_in", {**ALEX, "phone": "+13125550101"},
         "Allowed text and voice messages to (312) 555-0101 of Alex Rivera",
         "Allowed text and voice messages to a phone number of Alex Rivera"),
        ("contact.fax_added", {**ALEX}, "Contact fax added (Alex Rivera)",
         "Contact fax added (Alex Rivera)"),
    ],
)  # fmt: skip
def test_contact_sentences(action: str, details: dict[str, Any], shown: str, hidden: str) -> None:
    assert describe(action, details, home_region="US") == shown
    assert describe(action, details, shows=lambda _: False, home_region="US") == hidden


@pytest.mark.parametrize(
    ("action", "details", "expected"),
    [
        ("guardian.added", {"guardian": "Jamie Rivera"}, "Added guardian Jamie Rivera"),
        ("invitation.resent", {"guardian": "Jamie Rivera"}, "Sent Jamie Rivera a new invitation"),
        ("invitation.sent", {}, "Invited a guardian to sign in"),
        ("payment_method.updated", {"method": "Visa ending 4242", "recurring": True},
         "Changed payment method Visa ending 4242"),
        ("payment_method.deleted", {}, "Removed payment method"),
        ("auth.password_changed", {}, "Changed their password"),
        ("auth.password_reset_requested", {}, "Asked for a password reset link"),
        ("auth.password_reset_sent", {"guardian": "Sam Rivera"},
         "Sent Sam Rivera a password reset link"),
        ("guardian.payment_permission", {"guardian": "Sam Rivera", "allowed": False},
         "Stopped Sam Rivera from making payments"),
        ("invitation.expired_cleanup", {}, "Invitation expired cleanup"),
    ],
)  # fmt: skip
def test_other_account_sentences(action: str, details: dict[str, Any], expected: str) -> None:
    assert describe(action, details) == expected
