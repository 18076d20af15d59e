"""Marking skills from a class roster (issue 15): the class's instructor or staff at its
location mark a whole class at once; only changes are written; the parent's Skills tab shows
the marks; access and bad input. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Evaluation, Level, Role
from services.classes.evaluation_marks import (
    SkillMark,
    classes_to_mark,
    mark_skills,
    skill_sheet,
)
from services.classes.evaluations import student_evaluations
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    level = db.get(Level, gym.cls.level_id)
    f.skill(db, level, "Forward roll", 1)
    f.skill(db, level, "Cartwheel", 2)
    db.commit()
    return gym


def _evaluations(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Evaluation)) or 0


def _marked(sheet, status: str, note: str = "") -> list[SkillMark]:  # type: ignore[no-untyped-def]
    return [SkillMark(m.student_id, m.skill_id, status, note) for m in sheet.marks]


def test_the_desk_marks_the_whole_class_and_the_parent_sees_it(
    db: Session, gym: f.FamilyGym
) -> None:
    sheet = skill_sheet(db, gym.desk, gym.cls.id)
    assert [name for _, name in sheet.skills] == ["Forward roll", "Cartwheel"]
    assert [name for _, name in sheet.students] == ["Ada Okafor", "Maya Rivera"]
    assert {m.status for m in sheet.marks} == {"not_started"} and len(sheet.marks) == 4
    assert mark_skills(db, gym.desk, gym.cls.id, _marked(sheet, "in_progress")) == 4
    roll = sheet.skills[0][0]
    changed = [SkillMark(gym.maya.id, roll, "mastered", "  Tucked chin!  ")]
    again = _marked(skill_sheet(db, gym.desk, gym.cls.id), "in_progress")
    assert mark_skills(db, gym.desk, gym.cls.id, again) == 0  # nothing changed
    assert mark_skills(db, gym.desk, gym.cls.id, changed) == 1
    assert _evaluations(db) == 5
    [level] = student_evaluations(db, gym.guardian, gym.maya.id)
    assert [(s.name, s.status, s.note, s.instructor) for s in level.skills] == [
        ("Forward roll", "mastered", "Tucked chin!", "Desk"),
        ("Cartwheel", "in_progress", "", "Desk"),
    ]
    assert (level.mastered, level.total) == (1, 2)


def test_the_instructor_marks_only_their_own_classes(db: Session, gym: f.FamilyGym) -> None:
    coach = f.staff(db, "coach@example.com", [])
    gym.cls.instructor_user_id = coach.user_id
    other = f.gym_class(db, gym.north, name="Other class")
    db.commit()
    sheet = skill_sheet(db, coach, gym.cls.id)
    assert mark_skills(db, coach, gym.cls.id, _marked(sheet, "mastered")) == 4
    with pytest.raises(NotFound):
        skill_sheet(db, coach, other.id)
    with pytest.raises(NotFound):
        mark_skills(db, coach, other.id, [])


def test_an_instructor_account_marks_the_classes_it_teaches(db: Session, gym: f.FamilyGym) -> None:
    teacher = f.staff(db, "teacher@example.com", [], role=Role.INSTRUCTOR)
    assert teacher.is_instructor and not teacher.is_staff
    gym.cls.instructor_user_id = teacher.user_id
    other = f.gym_class(db, gym.north, name="Other class")
    db.commit()
    assert [c.class_id for c in classes_to_mark(db, teacher)] == [gym.cls.id]
    sheet = skill_sheet(db, teacher, gym.cls.id)
    assert mark_skills(db, teacher, gym.cls.id, _marked(sheet, "mastered")) == 4
    with pytest.raises(NotFound):
        skill_sheet(db, teacher, other.id)


def test_staff_of_another_location_and_guardians_are_refused(db: Session, gym: f.FamilyGym) -> None:
    sheet = skill_sheet(db, gym.admin, gym.cls.id)
    with pytest.raises(NotFound):
        skill_sheet(db, gym.south_desk, gym.cls.id)
    with pytest.raises(NotFound):
        mark_skills(db, gym.south_desk, gym.cls.id, _marked(sheet, "mastered"))
    with pytest.raises(AccessDenied):
        mark_skills(db, gym.guardian, gym.cls.id, _marked(sheet, "mastered"))
    assert _evaluations(db) == 0


def test_bad_marks_refuse_the_whole_save(db: Session, gym: f.FamilyGym) -> None:
    sheet = skill_sheet(db, gym.desk, gym.cls.id)
    good = _marked(sheet, "mastered")
    roll = sheet.skills[0][0]
    outsider = f.student(db, gym.other_family, "Bo")
    foreign_level = db.get(Level, f.gym_class(db, gym.north).level_id)
    foreign = f.skill(db, foreign_level, "Handstand", 1)
    db.commit()
    for bad, error, message in [
        (SkillMark(gym.maya.id, roll, "perfect"), ValidationError, "Choose not started"),
        (SkillMark(gym.maya.id, roll, "mastered", "x" * 501), ValidationError, "too long"),
        (SkillMark(gym.maya.id, roll, "mastered", "a\x00b"), ValidationError, "cannot be saved"),
        (SkillMark(gym.maya.id, roll, "mastered", None), ValidationError, "must be text"),  # type: ignore[arg-type]
        (SkillMark(outsider.id, roll, "mastered"), NotFound, "student"),
        (SkillMark(gym.maya.id, foreign.id, "mastered"), NotFound, "skill"),
        (SkillMark("1", roll, "mastered"), ValidationError, "not valid"),  # type: ignore[arg-type]
        ({"student_id": gym.maya.id}, ValidationError, "reload the page"),
    ]:
        with pytest.raises(error, match=message):
            mark_skills(db, gym.desk, gym.cls.id, [*good, bad])
    with pytest.raises(ValidationError, match="reload the page"):
        mark_skills(db, gym.desk, gym.cls.id, "mastered")
    assert _evaluations(db) == 0


def test_an_admin_marks_anywhere_and_an_empty_class_has_an_empty_sheet(
    db: Session, gym: f.FamilyGym
) -> None:
    empty = f.gym_class(db, gym.south, name="Empty")
    admin = f.staff(db, "boss@example.com", [], Role.ADMIN)
    db.commit()
    sheet = skill_sheet(db, admin, empty.id)
    assert (sheet.students, sheet.marks) == ((), ())
    assert mark_skills(db, admin, empty.id, []) == 0


def test_the_classes_each_person_may_mark(db: Session, gym: f.FamilyGym) -> None:
    coach = f.staff(db, "coach@example.com", [])
    gym.cls.instructor_user_id = coach.user_id
    f.gym_class(db, gym.north, name="Other class", weekday=3)
    db.commit()
    assert [c.label for c in classes_to_mark(db, coach)] == ["Tuesday 16:00 · Tumblers"]
    assert [c.label for c in classes_to_mark(db, gym.desk, gym.north.id)] == [
        "Tuesday 16:00 · Tumblers",
        "Thursday 16:00 · Other class",
    ]
    assert classes_to_mark(db, gym.south_desk) == []
    with pytest.raises(NotFound):
        classes_to_mark(db, gym.south_desk, gym.north.id)
    with pytest.raises(AccessDenied):
        classes_to_mark(db, gym.guardian)
