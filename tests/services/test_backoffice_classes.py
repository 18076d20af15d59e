"""Classes in the back office (issue 15): admins create, edit, archive and restore; capacity
never drops below the seats held; the class list per location and weekday with fill and
waitlist; access and bad input. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, EnrollmentStatus, GymClass, User
from services.backoffice.class_list import class_list, instructor_choices, level_choices
from services.backoffice.classes import (
    ClassInput,
    archive_class,
    class_values,
    create_class,
    restore_class,
    update_class,
)
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.settings import update_settings
from tests import factories as f


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def _form(gym: f.FamilyGym, **changes: object) -> ClassInput:
    base = ClassInput(
        location_id=gym.north.id,
        level_id=gym.cls.level_id,
        name="Saturday Stars",
        weekday=5,
        start_time=time(9, 30),
        length_minutes=45,
        term_start=date(2027, 1, 9),
        term_end=date(2027, 3, 27),
        capacity=10,
        tuition="$92.50",
        instructor_user_id=gym.desk.user_id,
        min_age=5,
        max_age=8,
    )
    return dataclasses.replace(base, **changes)


def _count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(GymClass)) or 0


def test_an_admin_creates_a_class_and_reads_it_back(db: Session, gym: f.FamilyGym) -> None:
    class_id = create_class(db, gym.admin, _form(gym))
    cls = db.get(GymClass, class_id)
    assert cls is not None
    assert (cls.end_time, cls.tuition_cents, cls.instructor_name) == (time(10, 15), 9_250, "Desk")
    assert (cls.program_id, cls.min_age, cls.max_age, cls.is_active) == (
        gym.cls.program_id,
        5,
        8,
        True,
    )
    assert class_values(db, gym.admin, class_id) == dataclasses.replace(_form(gym), tuition="92.50")
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.entity == "class")) == (
        "class.created"
    )


def test_edit_archive_and_restore(db: Session, gym: f.FamilyGym) -> None:
    update_class(db, gym.admin, gym.cls.id, _form(gym, name="Tuesday Tumblers", capacity=12))
    db.expire_all()
    assert (gym.cls.name, gym.cls.capacity, gym.cls.weekday) == ("Tuesday Tumblers", 12, 5)
    archive_class(db, gym.admin, gym.cls.id)
    db.expire_all()
    assert not gym.cls.is_active
    assert class_list(db, gym.desk, gym.north.id).total == 0
    assert class_list(db, gym.desk, gym.north.id, archived=True).total == 1
    restore_class(db, gym.admin, gym.cls.id)
    db.expire_all()
    assert gym.cls.is_active


def test_capacity_below_the_enrolled_count_is_refused_with_the_count(
    db: Session, gym: f.FamilyGym
) -> None:
    f.enroll(db, f.student(db, gym.family, "Leo"), gym.cls)
    db.commit()
    form = _form(gym, weekday=1, term_start=gym.cls.term_start, term_end=gym.cls.term_end)
    with pytest.raises(ValidationError, match=r"3 students hold seats .* cannot go below 3"):
        update_class(db, gym.admin, gym.cls.id, dataclasses.replace(form, capacity=2))
    db.expire_all()
    assert gym.cls.capacity == 8
    update_class(db, gym.admin, gym.cls.id, dataclasses.replace(form, capacity=3))
    db.expire_all()
    assert gym.cls.capacity == 3


def test_a_class_with_students_stays_at_its_location(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(ValidationError, match="stays at its location"):
        update_class(db, gym.admin, gym.cls.id, _form(gym, location_id=gym.south.id))
    empty = create_class(db, gym.admin, _form(gym))
    update_class(db, gym.admin, empty, _form(gym, location_id=gym.south.id))
    assert db.get(GymClass, empty).location_id == gym.south.id


def test_only_admins_manage_classes(db: Session, gym: f.FamilyGym) -> None:
    for actor in (gym.desk, gym.guardian):
        with pytest.raises(AccessDenied):
            create_class(db, actor, _form(gym))
        with pytest.raises(AccessDenied):
            update_class(db, actor, gym.cls.id, _form(gym))
        with pytest.raises(AccessDenied):
            archive_class(db, actor, gym.cls.id)
        with pytest.raises(AccessDenied):
            level_choices(db, actor)
        with pytest.raises(AccessDenied):
            instructor_choices(db, actor)
    assert _count(db) == 1 and gym.cls.is_active


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "Enter the class name"),
        ({"name": "x" * 121}, "too long"),
        ({"weekday": 7}, "Choose a weekday"),
        ({"weekday": "Monday"}, "weekday is not valid"),
        ({"start_time": "09:30"}, "Choose the start time"),
        ({"length_minutes": 5}, "between 15 minutes and 8 hours"),
        ({"start_time": time(23, 30), "length_minutes": 60}, "end before midnight"),
        ({"term_start": "2027-01-09"}, "term's start date"),
        ({"term_end": datetime(2027, 3, 27)}, "term's end date"),
        ({"term_end": date(2027, 1, 1)}, "must end on or after"),
        ({"capacity": 0}, "between 1 and 500"),
        ({"capacity": 2.5}, "capacity is not valid"),
        ({"tuition": "lots"}, "Enter an amount as a number"),
        ({"tuition": "-5"}, "cannot be negative"),
        ({"tuition": "12.345"}, "at most two decimal places"),
        ({"min_age": 9, "max_age": 6}, "youngest age cannot be above the oldest"),
        ({"max_age": 120}, "between 0 and 99"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    db: Session, gym: f.FamilyGym, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        create_class(db, gym.admin, _form(gym, **changes))
    assert _count(db) == 1


def test_unknown_or_unsuitable_records_answer_not_found(db: Session, gym: f.FamilyGym) -> None:
    parent_account = gym.guardian.user_id
    for changes in (
        {"instructor_user_id": parent_account},
        {"instructor_user_id": 999_999},
        {"level_id": 999_999},
        {"location_id": 999_999},
    ):
        with pytest.raises(NotFound):
            create_class(db, gym.admin, _form(gym, **changes))
    assert _count(db) == 1


def test_the_list_by_weekday_with_fill_and_waitlist(db: Session, gym: f.FamilyGym) -> None:
    gym.cls.capacity = 1  # Maya and Ada: over capacity by one
    f.enroll(
        db,
        f.student(db, gym.family, "Zoe"),
        gym.cls,
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    db.commit()
    create_class(db, gym.admin, _form(gym))
    tuesday = class_list(db, gym.desk, gym.north.id, weekday=1)
    [row] = tuesday.rows
    assert (row.enrolled, row.capacity, row.open_seats, row.waitlist) == (2, 1, -1, 1)
    saturday = class_list(db, gym.desk, gym.north.id, weekday=5)
    assert [(r.name, r.enrolled, r.waitlist) for r in saturday.rows] == [("Saturday Stars", 0, 0)]
    assert class_list(db, gym.desk, gym.north.id, query="stars").total == 1
    assert class_list(db, gym.desk, gym.north.id, query="100%").total == 0
    assert class_list(db, gym.desk, gym.north.id).total == 2


def test_the_list_is_paged(db: Session, gym: f.FamilyGym) -> None:
    for n in range(22):
        create_class(db, gym.admin, _form(gym, name=f"Class {n:02d}"))
    first = class_list(db, gym.admin, gym.north.id, weekday=5)
    second = class_list(db, gym.admin, gym.north.id, weekday=5, page=1)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (22, 2, 20, 2)


def test_the_list_of_another_location_is_refused(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(NotFound):
        class_list(db, gym.south_desk, gym.north.id)
    with pytest.raises(AccessDenied):
        class_list(db, gym.guardian, gym.north.id)
    with pytest.raises(ValidationError, match="Choose a weekday"):
        class_list(db, gym.desk, gym.north.id, weekday=9)


def test_the_form_choices(db: Session, gym: f.FamilyGym) -> None:
    gone = db.get(User, f.staff(db, "gone@example.com", [gym.north]).user_id)
    gone.is_active = False
    db.commit()
    names = [choice.label for choice in instructor_choices(db, gym.admin)]
    assert names == ["Desk", "Owner", "South"]  # no parents, no deactivated staff
    assert all(choice.label.endswith("Level 1") for choice in level_choices(db, gym.admin))


def test_tuition_is_typed_in_the_portal_currency(db: Session, gym: f.FamilyGym) -> None:
    update_settings(db, gym.admin, {"currency": "eur"})
    class_id = create_class(db, gym.admin, _form(gym, tuition="€ 1,040.5"))
    assert db.get(GymClass, class_id).tuition_cents == 104_050  # type: ignore[union-attr]
    before = _count(db)
    with pytest.raises(ValidationError, match="Amounts here are in EUR"):
        create_class(db, gym.admin, _form(gym, tuition="$92.50"))
    assert _count(db) == before
