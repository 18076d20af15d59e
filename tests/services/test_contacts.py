"""The Account page's read model: guardians with the contact details each guardian may see."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from data.models import GuardianAccess
from services.families.contacts import (
    AccountContacts,
    AddressView,
    EmailView,
    GuardianContacts,
    PhoneView,
    account_contacts,
)
from services.kernel.errors import AccessDenied
from tests import factories as f
from tests.services import contact_helpers as h


@pytest.fixture
def acct(db: Session) -> h.Account:
    return h.account(db)


def by_name(view: AccountContacts) -> dict[str, GuardianContacts]:
    return {g.name: g for g in view.guardians}


def test_the_primary_guardian_sees_everyone_and_the_details_they_manage(
    db: Session, acct: h.Account
) -> None:
    view = account_contacts(db, acct.primary)
    assert [
        (g.name, g.is_primary, g.is_self, g.access, g.access_label) for g in view.guardians
    ] == [
        ("Alex Rivera", True, True, "can_log_in", "Can Log In"),
        ("Jamie Rivera", False, False, "no_login", "No login"),
        ("Robin Rivera", False, False, "invite_sent", "Invite Sent"),
        ("Sam Rivera", False, False, "can_log_in", "Can Log In"),
    ]
    alex, jamie, robin, sam = view.guardians
    assert (alex.editable, jamie.editable, robin.editable, sam.editable) == (
        True,
        True,
        True,
        False,
    )
    assert alex.may_pay and not sam.may_pay
    # The sign-in address comes first and is marked.
    assert alex.emails == [
        EmailView(acct.alex_login.id, acct.alex_login.email, is_login=True, opted_out=False),
        EmailView(acct.mine.email.id, "alex.work@example.com", is_login=False, opted_out=False),
    ]
    assert alex.phones == [
        PhoneView(acct.mine.phone.id, "+13125550101", "(312) 555-0101", "mobile", False)
    ]
    assert alex.addresses == [
        AddressView(
            acct.mine.address.id,
            "1 Alex St",
            "",
            "Springfield",
            "IL",
            "62704",
            "US",
            "1 Alex St, Springfield, IL 62704, US",
        )
    ]
    assert [e.email for e in jamie.emails] == ["jamie@example.com"]
    assert [p.label for p in jamie.phones] == ["home"]
    assert [a.line1 for a in jamie.addresses] == ["3 Jamie St"]
    assert robin.emails == robin.phones == robin.addresses == []
    # Sam accepted the invitation: name and access only.
    assert sam.emails == sam.phones == sam.addresses == []
    assert view.unassigned.emails == [
        EmailView(acct.unassigned.email.id, "old.family@example.com", False, opted_out=True)
    ]
    assert view.unassigned.phones == [
        PhoneView(acct.unassigned.phone.id, "+13125550104", "(312) 555-0104", "other", True)
    ]
    assert [a.line1 for a in view.unassigned.addresses] == ["4 Old Rd"]


def test_a_secondary_guardian_sees_their_own_details_and_the_others_names(
    db: Session, acct: h.Account
) -> None:
    view = account_contacts(db, acct.second)
    assert [(g.name, g.is_self, g.editable) for g in view.guardians] == [
        ("Alex Rivera", False, False),
        ("Jamie Rivera", False, False),
        ("Robin Rivera", False, False),
        ("Sam Rivera", True, True),
    ]
    for other in view.guardians[:3]:
        assert other.emails == other.phones == other.addresses == []
    sam = view.guardians[3]
    assert [(e.email, e.is_login) for e in sam.emails] == [
        ("second@example.com", True),
        ("sam.home@example.com", False),
    ]
    assert [p.e164 for p in sam.phones] == ["+13125550102"]
    assert [a.line1 for a in sam.addresses] == ["2 Sam St"]
    assert view.unassigned.emails == view.unassigned.phones == view.unassigned.addresses == []


def test_an_invite_revoked_guardian_is_managed_by_the_primary_again(
    db: Session, acct: h.Account
) -> None:
    acct.sam.access = GuardianAccess.INVITE_REVOKED
    db.commit()
    sam = by_name(account_contacts(db, acct.primary))["Sam Rivera"]
    assert sam.access_label == "Invite Revoked"
    assert sam.editable
    assert [a.line1 for a in sam.addresses] == ["2 Sam St"]


def test_no_family_sees_another_family_s_guardians_or_contacts(
    db: Session, acct: h.Account
) -> None:
    mine = account_contacts(db, acct.primary)
    theirs = account_contacts(db, acct.outsider)
    assert [g.name for g in theirs.guardians] == ["Alex Okafor"]
    their_values = {e.email for g in theirs.guardians for e in g.emails}
    assert "okafor.work@example.com" in their_values
    my_values = {e.email for g in mine.guardians for e in g.emails} | {
        e.email for e in mine.unassigned.emails
    }
    assert not their_values & my_values
    assert theirs.unassigned.emails == theirs.unassigned.phones == []
    assert {p.e164 for g in mine.guardians for p in g.phones}.isdisjoint({"+13125550199"})


def test_staff_are_refused(db: Session, acct: h.Account) -> None:
    for staff in (acct.gym.desk, acct.gym.admin):
        with pytest.raises(AccessDenied, match="parents and guardians"):
            account_contacts(db, staff)


def test_foreign_numbers_show_their_country_code(db: Session, acct: h.Account) -> None:
    h.phone(db, acct.gym.family.id, acct.alex, "+442079460958")
    db.commit()
    alex = account_contacts(db, acct.primary).guardians[0]
    assert [p.national for p in alex.phones] == ["(312) 555-0101", "+44 20 7946 0958"]
    f.portal_settings(db, default_phone_region="GB")
    db.commit()
    alex = account_contacts(db, acct.primary).guardians[0]
    assert [p.national for p in alex.phones] == ["+1 312-555-0101", "020 7946 0958"]


def test_one_query_per_table_however_many_guardians(db: Session, acct: h.Account) -> None:
    for n in range(6):
        extra = h.guardian(db, acct.gym.family.id, f"Extra{n}")
        h.email(db, acct.gym.family.id, extra, f"extra{n}@example.com")
        h.phone(db, acct.gym.family.id, extra, f"+1312555020{n}")
        h.address(db, acct.gym.family.id, extra, f"{n} Extra St")
    db.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    bind = db.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        view = account_contacts(db, acct.primary)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(view.guardians) == 10
    assert sum(len(g.emails) for g in view.guardians) == 9  # Alex 2, Jamie 1, extras 6
    # guardians, e-mails, phones, addresses, portal settings
    assert len(statements) == 5
