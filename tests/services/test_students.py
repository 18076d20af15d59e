"""Students: the family's cards, adding and editing a student, and who may reach a student."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, LedgerKind, Student
from services.families.students import (
    StudentCard,
    StudentInput,
    add_student,
    family_students,
    update_student,
)
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import family_timezone, student_in_reach
from tests import factories as f

TODAY = date(2026, 11, 24)  # in Chicago
NEW = StudentInput(first_name="Leo", last_name="Rivera", birth_date=date(2020, 2, 29))


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    built = f.family_gym(db)
    db.commit()
    return built


def written(db: Session) -> tuple[int, int]:
    """Students and audit entries in the database (a refused call left nothing pending)."""
    db.rollback()
    return (
        db.scalar(select(func.count()).select_from(Student)),
        db.scalar(select(func.count()).select_from(AuditEntry)),
    )


# family_students


def test_a_guardian_sees_the_family_s_students_active_first(db: Session, gym: f.FamilyGym) -> None:
    f.student(db, gym.family, "Zoe", birth=date(2015, 11, 25)).is_active = False
    f.student(db, gym.family, "Ben", birth=date(2015, 11, 24))
    cards = family_students(db, gym.guardian)
    assert [(c.first_name, c.age, c.is_active) for c in cards] == [
        ("Ben", 11, True),  # eleven today
        ("Maya", 8, True),
        ("Zoe", 10, False),  # eleven tomorrow
    ]
    assert cards[1] == StudentCard(
        id=gym.maya.id,
        family_id=gym.family.id,
        first_name="Maya",
        last_name="Rivera",
        age=8,
        birth_date=date(2018, 5, 4),
        gender="",
        medical_notes="",
        is_active=True,
    )
    assert cards[1].full_name == "Maya Rivera"
    assert family_students(db, gym.second) == cards
    assert family_students(db, gym.guardian, family_id=gym.family.id) == cards


def test_another_family_answers_like_a_missing_one(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(NotFound) as other:
        family_students(db, gym.guardian, family_id=gym.other_family.id)
    with pytest.raises(NotFound) as missing:
        family_students(db, gym.guardian, family_id=999_999)
    assert other.value.message == missing.value.message


def test_staff_see_families_of_their_locations(db: Session, gym: f.FamilyGym) -> None:
    names = ["Maya"]
    assert [c.first_name for c in family_students(db, gym.desk, family_id=gym.family.id)] == names
    assert [c.first_name for c in family_students(db, gym.admin, family_id=gym.family.id)] == names
    with pytest.raises(NotFound):
        family_students(db, gym.south_desk, family_id=gym.family.id)
    with pytest.raises(NotFound):
        family_students(db, gym.admin, family_id=999_999)
    with pytest.raises(ValidationError, match="Choose a family"):
        family_students(db, gym.desk)


@pytest.mark.parametrize("bad", ["1", 1.0, True, None, [1]])
def test_a_family_id_must_be_an_integer(db: Session, gym: f.FamilyGym, bad: object) -> None:
    with pytest.raises(ValidationError):
        family_students(db, gym.desk, family_id=bad)  # type: ignore[arg-type]
    if bad is not None:
        with pytest.raises(ValidationError):
            family_students(db, gym.guardian, family_id=bad)  # type: ignore[arg-type]


def test_a_family_is_seen_where_it_has_passes_tokens_or_ledger_entries(
    db: Session, gym: f.FamilyGym
) -> None:
    fam, _, _ = f.family(db, "Lee")
    f.student(db, fam, "Kai")
    with pytest.raises(NotFound):
        family_students(db, gym.south_desk, family_id=fam.id)
    f.punch_pass(db, fam, gym.south)
    assert len(family_students(db, gym.south_desk, family_id=fam.id)) == 1
    fam2, _, _ = f.family(db, "Ito")
    f.entry(db, fam2, gym.south, LedgerKind.CHARGE, 1_000)
    assert family_students(db, gym.south_desk, family_id=fam2.id) == []


def test_age_and_today_follow_the_family_s_location(db: Session, gym: f.FamilyGym) -> None:
    assert family_timezone(db, gym.family.id) == "America/Chicago"
    fam, _, _ = f.family(db, "New")
    assert family_timezone(db, fam.id) == "UTC"


# student_in_reach


def test_student_in_reach_scopes_guardians_and_staff(db: Session, gym: f.FamilyGym) -> None:
    f.check_student_scope(gym, lambda actor, sid: student_in_reach(db, actor, sid))


# add_student


def test_a_guardian_adds_a_student_to_the_family(db: Session, gym: f.FamilyGym) -> None:
    card = add_student(
        db,
        gym.guardian,
        StudentInput(
            first_name="  Leo   Ángel ",
            last_name=" Rivera ",
            birth_date=date(2020, 2, 29),
            gender=" boy ",
            medical_notes="Peanut allergy.\r\nCarries an EpiPen.  ",
        ),
    )
    assert (card.first_name, card.last_name, card.age, card.gender) == (
        "Leo Ángel",
        "Rivera",
        6,
        "boy",
    )
    assert card.medical_notes == "Peanut allergy.\nCarries an EpiPen."
    db.expire_all()
    stored = db.get(Student, card.id)
    assert stored is not None and stored.family_id == gym.family.id
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "student.added")).one()
    assert (audit.entity_id, audit.family_id) == (str(card.id), gym.family.id)
    assert audit.actor_user_id == gym.guardian.user_id


def test_a_secondary_guardian_adds_a_student_too(db: Session, gym: f.FamilyGym) -> None:
    card = add_student(db, gym.second, NEW)
    assert card.family_id == gym.family.id


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("José", "Nguyễn"),
        ("小明", "王"),
        ("Ольга", "Иванова"),
        ("Siobhán", "O'Brien"),
        ("Mary-Jane", "D’Angelo"),
        ("J. R.", "St. John"),
        ("محمد", "العلي"),
        ("Zoë", "Å"),
        ("A" * 60, "B"),
        ("देव", "शर्मा"),  # combining vowel signs
    ],
)
def test_names_in_any_script_are_accepted(
    db: Session, gym: f.FamilyGym, first: str, last: str
) -> None:
    card = add_student(db, gym.guardian, StudentInput(first, last, date(2019, 1, 1)))
    assert (card.first_name, card.last_name) == (first, last)


def test_birth_date_limits_are_inclusive(db: Session, gym: f.FamilyGym) -> None:
    assert add_student(db, gym.guardian, StudentInput("Newborn", "R", TODAY)).age == 0
    oldest = add_student(db, gym.guardian, StudentInput("Elder", "R", date(1926, 11, 24)))
    assert oldest.age == 100


def test_long_notes_with_newlines_are_kept(db: Session, gym: f.FamilyGym) -> None:
    notes = ("line\n" * 200)[:999] + "x"
    card = add_student(
        db, gym.guardian, StudentInput("Leo", "R", date(2019, 1, 1), "x" * 40, notes)
    )
    assert card.medical_notes == notes and len(card.medical_notes) == 1000


BAD_INPUTS = [
    ({"first_name": ""}, "Enter the first name"),
    ({"first_name": "   "}, "Enter the first name"),
    ({"first_name": None}, "Enter the first name"),
    ({"first_name": 123}, "Enter the first name"),
    ({"first_name": "A" * 61}, "at most 60"),
    ({"first_name": "x" * 100_000}, "at most 60"),
    ({"first_name": "Maya2"}, "only contain letters"),
    ({"first_name": "１２"}, "only contain letters"),  # full-width digits
    ({"first_name": "<script>"}, "only contain letters"),
    ({"first_name": "Ma>ya"}, "only contain letters"),
    ({"first_name": "Maya;DROP"}, "only contain letters"),
    ({"first_name": "Maya😀"}, "only contain letters"),
    ({"first_name": "Ri\u202erevia"}, "only contain letters"),  # right-to-left override
    ({"first_name": "Ma\nya"}, "not allowed"),
    ({"first_name": "Ma\tya"}, "not allowed"),
    ({"first_name": "Ma\x00ya"}, "not allowed"),
    ({"first_name": "\ud800"}, "not allowed"),  # a lone surrogate cannot be stored
    ({"first_name": "---"}, "at least one letter"),
    ({"first_name": "."}, "at least one letter"),
    ({"last_name": ""}, "Enter the last name"),
    ({"last_name": "Smith@home"}, "only contain letters"),
    ({"last_name": "x" * 61}, "at most 60"),
    ({"birth_date": None}, "as a date"),
    ({"birth_date": "2018-05-04"}, "as a date"),
    ({"birth_date": datetime(2018, 5, 4)}, "as a date"),
    ({"birth_date": 20180504}, "as a date"),
    ({"birth_date": date(2026, 11, 25)}, "cannot be in the future"),
    ({"birth_date": date(9999, 12, 31)}, "cannot be in the future"),
    ({"birth_date": date(1926, 11, 23)}, "more than 100 years"),
    ({"birth_date": date(1, 1, 1)}, "more than 100 years"),
    ({"gender": "x" * 41}, "at most 40"),
    ({"gender": 5}, "must be text"),
    ({"gender": None}, "must be text"),
    ({"gender": "boy\x07"}, "not allowed"),
    ({"medical_notes": "x" * 1001}, "at most 1000"),
    ({"medical_notes": "peanuts\x00"}, "not allowed"),
    ({"medical_notes": "a\tb"}, "not allowed"),
    ({"medical_notes": "\x1b[31mred"}, "not allowed"),
    ({"medical_notes": None}, "must be text"),
    ({"medical_notes": ["peanuts"]}, "must be text"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS)
def test_bad_input_is_refused_and_nothing_is_written(
    db: Session, gym: f.FamilyGym, change: dict[str, object], message: str
) -> None:
    data = StudentInput(**{**NEW.__dict__, **change})  # type: ignore[arg-type]
    before = written(db)
    with pytest.raises(ValidationError, match=message):
        add_student(db, gym.guardian, data)
    assert written(db) == before
    with pytest.raises(ValidationError, match=message):
        update_student(db, gym.guardian, gym.maya.id, data)
    assert written(db) == before
    db.expire_all()
    maya = db.get(Student, gym.maya.id)
    assert maya is not None and (maya.first_name, maya.birth_date) == ("Maya", date(2018, 5, 4))


@pytest.mark.parametrize("data", [None, {"first_name": "Leo"}, ("Leo", "R", date(2019, 1, 1))])
def test_the_form_must_send_a_student_input(db: Session, gym: f.FamilyGym, data: object) -> None:
    with pytest.raises(ValidationError, match="details are not valid"):
        add_student(db, gym.guardian, data)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="details are not valid"):
        update_student(db, gym.guardian, gym.maya.id, data)  # type: ignore[arg-type]


def test_a_guardian_cannot_add_to_another_family(db: Session, gym: f.FamilyGym) -> None:
    before = written(db)
    with pytest.raises(NotFound, match="family"):
        add_student(db, gym.guardian, NEW, family_id=gym.other_family.id)
    assert written(db) == before


def test_staff_add_students_to_families_of_their_locations(db: Session, gym: f.FamilyGym) -> None:
    assert add_student(db, gym.desk, NEW, family_id=gym.family.id).family_id == gym.family.id
    before = written(db)
    with pytest.raises(NotFound, match="family"):
        add_student(db, gym.south_desk, NEW, family_id=gym.family.id)
    with pytest.raises(ValidationError, match="Choose a family"):
        add_student(db, gym.desk, NEW)
    with pytest.raises(ValidationError, match="family"):
        add_student(db, gym.desk, NEW, family_id="1")  # type: ignore[arg-type]
    assert written(db) == before


# update_student


def test_a_guardian_edits_a_student_and_the_audit_names_the_fields(
    db: Session, gym: f.FamilyGym
) -> None:
    data = StudentInput("Maya", "Rivera-Cruz", date(2018, 5, 4), medical_notes="Asthma")
    card = update_student(db, gym.second, gym.maya.id, data)
    assert (card.last_name, card.medical_notes) == ("Rivera-Cruz", "Asthma")
    db.expire_all()
    stored = db.get(Student, gym.maya.id)
    assert stored is not None and stored.last_name == "Rivera-Cruz"
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "student.updated")).one()
    assert audit.details == {"fields": ["last_name", "medical_notes"]}
    update_student(db, gym.guardian, gym.maya.id, data)  # no change, no audit entry
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_only_reachable_students_are_edited(db: Session, gym: f.FamilyGym) -> None:
    data = StudentInput("Hacked", "X", date(2018, 5, 4))
    before = written(db)
    for actor, student_id in [
        (gym.guardian, gym.other_student.id),
        (gym.other_guardian, gym.maya.id),
        (gym.south_desk, gym.maya.id),
        (gym.guardian, 999_999),
    ]:
        with pytest.raises(NotFound, match="That student was not found"):
            update_student(db, actor, student_id, data)
    for bad in ("1", 1.5, None, True):
        with pytest.raises(ValidationError, match="student"):
            update_student(db, gym.guardian, bad, data)  # type: ignore[arg-type]
    assert written(db) == before
    assert update_student(db, gym.desk, gym.maya.id, data).first_name == "Hacked"
    assert update_student(db, gym.admin, gym.maya.id, data).first_name == "Hacked"
