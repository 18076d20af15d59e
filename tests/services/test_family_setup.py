"""Registering a family at the desk (issue 15): every bad input writes nothing, exactly one
primary, duplicate warnings, who may do it, the audit, the home location's reach, editing,
and inviting the primary guardian."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Address,
    AuditEntry,
    EmailAddress,
    Family,
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OutboxMessage,
    PhoneNumber,
    Student,
)
from services.accounts.invitations import accept_invitation, invite_primary_guardian
from services.backoffice.family_edit import (
    add_family_guardian,
    add_guardian_contact,
    rename_guardian,
)
from services.backoffice.family_input import FamilySetup, GuardianSetup
from services.backoffice.family_setup import OTHER_LOCATION, PossibleDuplicate, create_family
from services.desk.family_lookup import family_overview, search_families
from services.families.contact_validation import AddressInput
from services.families.students import StudentInput, add_student, update_student
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER
from tests import factories as f
from tests.support.links import sent_token

BASE = "https://portal.example.com"
HOME = AddressInput("12 Main St", city="Springfield", region="IL", postal_code="62704")
PRIMARY = GuardianSetup(
    "Maria", "Garcia", emails=("Maria.Garcia@Example.com",), phones=("(312) 555-0123",),
    address=HOME, email_opt_in=True, sms_opt_in=False, is_primary=True,
)  # fmt: skip
SECOND = GuardianSetup("Carlos", "Garcia", emails=("carlos@example.com",), phones=())
SOFIA = StudentInput("Sofia", "Garcia", date(2018, 3, 2), medical_notes="Asthma")
SETUP = FamilySetup("", (PRIMARY, SECOND), (SOFIA,))


def _counts(db: Session) -> tuple[int, ...]:
    db.rollback()
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (Family, Guardian, EmailAddress, PhoneNumber, Address, Student, AuditEntry)
    )  # type: ignore[return-value]


def test_the_desk_registers_a_family_and_then_reaches_it(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    family_id = create_family(db, gym.desk, SETUP, location_id=gym.north.id, create_anyway=False)
    family = db.get(Family, family_id)
    assert family.name == "Garcia family" and family.home_location_id == gym.north.id
    guardians = db.scalars(select(Guardian).where(Guardian.family_id == family_id)).all()
    assert [(g.first_name, g.is_primary, g.access) for g in guardians] == [
        ("Maria", True, GuardianAccess.NO_LOGIN),
        ("Carlos", False, GuardianAccess.NO_LOGIN),
    ]
    emails = db.execute(
        select(EmailAddress.email, EmailAddress.blasts_opt_in).where(
            EmailAddress.family_id == family_id
        )
    ).all()
    # Consent is never assumed: Carlos's form gave none, so his address is not subscribed.
    assert sorted(emails) == [("carlos@example.com", False), ("maria.garcia@example.com", True)]
    phone = db.scalar(select(PhoneNumber).where(PhoneNumber.family_id == family_id))
    assert (phone.e164, phone.sms_opt_in, phone.guardian_id) == (
        "+13125550123",
        False,
        guardians[0].id,
    )
    address = db.scalar(select(Address).where(Address.family_id == family_id))
    assert (address.line1, address.region, address.guardian_id) == (
        "12 Main St",
        "IL",
        guardians[0].id,
    )
    student = db.scalar(select(Student).where(Student.family_id == family_id))
    assert (student.first_name, student.medical_notes) == ("Sofia", "Asthma")
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.family_id == family_id).order_by(AuditEntry.id)
    ).all()
    assert actions.count("family.created") == 1 and actions.count("guardian.added") == 2
    assert "consent.sms_opt_out" in actions and actions.count("consent.email_opt_in") == 1
    assert actions.count("consent.email_opt_out") == 1
    assert "student.added" in actions
    # The desk that registered it sees it at once; another location's desk does not.
    assert family_overview(db, gym.desk, family_id).family_name == "Garcia family"
    assert [h.family_id for h in search_families(db, gym.desk, "garcia")] == [family_id]
    assert search_families(db, gym.south_desk, "garcia") == []
    with pytest.raises(NotFound):
        family_overview(db, gym.south_desk, family_id)


BAD_INPUTS = [
    (FamilySetup("", ()), "primary guardian"),
    (FamilySetup("", (SECOND,)), "exactly one primary"),
    (FamilySetup("", (PRIMARY, replace(SECOND, is_primary=True))), "exactly one primary"),
    (FamilySetup("", (replace(PRIMARY, first_name="  "),)), "Enter the first name"),
    (FamilySetup("", (replace(PRIMARY, last_name="R2D2"),)), "last name can only contain"),
    (FamilySetup("", (replace(PRIMARY, emails=("not-an-email",)),)), "valid e-mail"),
    (FamilySetup("", (replace(PRIMARY, emails=()),)), "primary guardian's e-mail"),
    (FamilySetup("", (replace(PRIMARY, phones=("12",)),)), "phone number"),
    (FamilySetup("", (replace(PRIMARY, address=replace(HOME, postal_code="ABC")),)), "ZIP code"),
    (FamilySetup("", (replace(PRIMARY, address=replace(HOME, city="")),)), "Enter the city"),
    (FamilySetup("", (PRIMARY, replace(SECOND, emails=PRIMARY.emails))), "entered twice"),
    (FamilySetup("", (PRIMARY,), (replace(SOFIA, birth_date=date(2030, 1, 1)),)), "future"),
    (FamilySetup("", (PRIMARY,), (replace(SOFIA, first_name=""),)), "first name"),
    (FamilySetup("", (PRIMARY,), (replace(SOFIA, medical_notes="x" * 1001),)), "medical notes"),
    (FamilySetup("x" * 121, (PRIMARY,)), "family name can be at most"),
    (FamilySetup("\x07Bell", (PRIMARY,)), "not allowed"),
    (FamilySetup("", (replace(PRIMARY, sms_opt_in="yes"),)), "consent"),  # type: ignore[arg-type]
    (FamilySetup("", (replace(PRIMARY, emails="a@example.com"),)), "not valid"),  # type: ignore[arg-type]
    (FamilySetup("", (PRIMARY,) * 5), "at most 4 guardians"),
    (FamilySetup("", (replace(PRIMARY, phones=("a\x00",)),)), "phone number contains"),
    (FamilySetup("", (replace(PRIMARY, phones=("1", "2", "3", "4")),)), "at most 3"),
    (FamilySetup("", (PRIMARY,), "Sofia"), "students' details are not valid"),  # type: ignore[arg-type]
    (FamilySetup("", (PRIMARY,), (SOFIA,) * 11), "at most 10 students"),
    ("not a setup", "not valid"),
]


@pytest.mark.parametrize(("setup", "message"), BAD_INPUTS)
def test_bad_input_is_refused_and_nothing_is_written(
    db: Session, setup: object, message: str
) -> None:
    gym = f.family_gym(db)
    db.commit()
    before = _counts(db)
    with pytest.raises(ValidationError, match=message):
        create_family(db, gym.desk, setup, location_id=gym.north.id, create_anyway=True)  # type: ignore[arg-type]
    assert _counts(db) == before


def test_duplicates_warn_with_the_family_and_create_only_when_confirmed(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    first = create_family(db, gym.desk, SETUP, location_id=gym.north.id, create_anyway=False)
    before = _counts(db)
    again = FamilySetup("", (replace(PRIMARY, emails=("new@example.com",)),))
    with pytest.raises(PossibleDuplicate) as raised:
        create_family(db, gym.desk, again, location_id=gym.north.id, create_anyway=False)
    assert [(m.family_id, m.family_name, m.reason) for m in raised.value.matches] == [
        (first, "Garcia family", "Maria Garcia with +13125550123")
    ]
    assert "Garcia family" in raised.value.message and _counts(db) == before
    by_email = FamilySetup("Other", (GuardianSetup("Ana", "Lopez", ("carlos@example.com",),
                                                   is_primary=True),))  # fmt: skip
    with pytest.raises(PossibleDuplicate, match=r"e-mail carlos@example\.com"):
        create_family(db, gym.desk, by_email, location_id=gym.north.id, create_anyway=False)
    # Another location's desk is warned without learning whose family it is.
    with pytest.raises(PossibleDuplicate) as hidden:
        create_family(db, gym.south_desk, by_email, location_id=gym.south.id, create_anyway=False)
    assert [(m.family_id, m.family_name) for m in hidden.value.matches] == [(None, OTHER_LOCATION)]
    assert _counts(db) == before
    second = create_family(db, gym.desk, again, location_id=gym.north.id, create_anyway=True)
    assert second != first
    created = db.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "family.created", AuditEntry.entity_id == str(second)
        )
    )
    assert created.details["despite_possible_duplicates"] == [first]


def test_who_may_register_a_family(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    before = _counts(db)
    with pytest.raises(AccessDenied):
        create_family(db, gym.guardian, SETUP, location_id=gym.north.id, create_anyway=True)
    with pytest.raises(NotFound):  # not one of the desk's locations
        create_family(db, gym.desk, SETUP, location_id=gym.south.id, create_anyway=True)
    with pytest.raises(NotFound):
        create_family(db, gym.admin, SETUP, location_id=999_999, create_anyway=True)
    gym.south.is_active = False
    db.commit()
    with pytest.raises(NotFound):  # an archived location takes no new families
        create_family(db, gym.admin, SETUP, location_id=gym.south.id, create_anyway=True)
    assert _counts(db) == before
    assert create_family(db, gym.admin, SETUP, location_id=gym.north.id, create_anyway=True)


def test_editing_a_family_stays_within_reach(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    family_id = create_family(db, gym.desk, SETUP, location_id=gym.north.id, create_anyway=False)
    maria = db.scalar(
        select(Guardian.id).where(Guardian.family_id == family_id, Guardian.is_primary)
    )
    rename_guardian(db, gym.desk, maria, "María", "Garcia López")
    assert db.get(Guardian, maria).first_name == "María"
    for actor in (gym.south_desk, gym.guardian):
        with pytest.raises((NotFound, AccessDenied)):
            rename_guardian(db, actor, maria, "Eve", "Mallory")
    with pytest.raises(ValidationError, match="first name"):
        rename_guardian(db, gym.desk, maria, "", "Garcia")
    assert db.get(Guardian, maria, populate_existing=True).first_name == "María"
    with pytest.raises(ValidationError, match="already has its primary"):
        add_family_guardian(db, gym.desk, family_id, replace(SECOND, is_primary=True))
    with pytest.raises(ValidationError, match="already keeps the e-mail"):
        add_family_guardian(db, gym.desk, family_id, replace(SECOND, first_name="Carla"))
    with pytest.raises(NotFound):
        add_family_guardian(
            db, gym.south_desk, family_id, GuardianSetup("Lu", "Garcia", ("lu@example.com",))
        )
    lu = add_family_guardian(
        db, gym.desk, family_id, GuardianSetup("Lu", "Garcia", ("lu@example.com",))
    )
    assert db.get(Guardian, lu).is_primary is False
    primaries = db.scalar(
        select(func.count()).where(Guardian.family_id == family_id, Guardian.is_primary)
    )
    assert primaries == 1
    card = add_student(
        db, gym.desk, StudentInput("Leo", "Garcia", date(2020, 1, 5)), family_id=family_id
    )
    update_student(db, gym.desk, card.id, StudentInput("Leo", "Garcia", date(2020, 1, 6)))
    with pytest.raises(NotFound):
        update_student(db, gym.south_desk, card.id, StudentInput("Eve", "Garcia", date(2020, 1, 6)))
    with pytest.raises(NotFound):
        add_student(db, gym.south_desk, SOFIA, family_id=family_id)
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.family_id == family_id)))
    assert {"guardian.renamed", "guardian.added", "student.updated"} <= actions


def test_a_guardian_gets_another_e_mail_or_phone_with_consent(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    family_id = create_family(db, gym.desk, SETUP, location_id=gym.north.id, create_anyway=False)
    carlos = db.scalar(select(Guardian.id).where(Guardian.first_name == "Carlos"))
    before = _counts(db)
    for email, phone, message in [
        ("", " ", "Enter an e-mail address or a phone number"),
        ("carlos@", "", "valid e-mail"),
        ("", "555", "phone number"),
        ("MARIA.garcia@example.com", "", "already keeps the e-mail"),
        ("", "+1 312 555 0123", "already keeps the phone number"),
    ]:
        with pytest.raises(ValidationError, match=message):
            add_guardian_contact(db, gym.desk, carlos, email=email, phone=phone,
                                 email_opt_in=True, sms_opt_in=True)  # fmt: skip
    for actor in (gym.south_desk, gym.guardian):
        with pytest.raises((NotFound, AccessDenied)):
            add_guardian_contact(db, actor, carlos, email="c2@example.com", phone="",
                                 email_opt_in=True, sms_opt_in=True)  # fmt: skip
    assert _counts(db) == before
    add_guardian_contact(db, gym.desk, carlos, email="c2@example.com", phone="312 555 0199",
                         email_opt_in=False, sms_opt_in=True)  # fmt: skip
    rows = db.execute(
        select(EmailAddress.email, EmailAddress.blasts_opt_in).where(
            EmailAddress.guardian_id == carlos
        )
    ).all()
    assert sorted(rows) == [("c2@example.com", False), ("carlos@example.com", False)]
    assert db.scalar(select(PhoneNumber.e164).where(PhoneNumber.guardian_id == carlos)) == (
        "+13125550199"
    )
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.family_id == family_id)).all()
    assert "consent.email_opt_out" in actions and actions.count("consent.sms_opt_in") == 1


def test_inviting_the_primary_guardian_queues_the_link_and_they_can_sign_in(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    family_id = create_family(db, gym.desk, SETUP, location_id=gym.north.id, create_anyway=False)
    for actor in (gym.guardian, gym.south_desk):
        with pytest.raises((NotFound, AccessDenied)):
            invite_primary_guardian(db, actor, family_id, base_url=BASE)
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == "maria.garcia@example.com")) == 0  # fmt: skip
    invite_primary_guardian(db, gym.desk, family_id, base_url=BASE)
    message = db.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "maria.garcia@example.com")
    )
    assert message.kind == "invitation" and LINK_PLACEHOLDER in message.body_text
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0  # made when sent
    maria = db.scalar(select(Guardian).where(Guardian.family_id == family_id, Guardian.is_primary))
    assert maria.access is GuardianAccess.INVITE_SENT
    sent = select(AuditEntry.id).where(
        AuditEntry.entity_id == str(maria.id), AuditEntry.action == "invitation.sent"
    )
    assert db.scalar(sent)
    token = sent_token(db, "maria.garcia@example.com", "invitation", BASE)
    user_id = accept_invitation(db, token, "tumbling-mats-at-dawn", "tumbling-mats-at-dawn")
    db.rollback()
    assert db.get(Guardian, maria.id).access is GuardianAccess.CAN_LOG_IN
    assert db.get(Guardian, maria.id).user_id == user_id
    with pytest.raises(ValidationError, match="can already sign in"):
        invite_primary_guardian(db, gym.admin, family_id, base_url=BASE)
