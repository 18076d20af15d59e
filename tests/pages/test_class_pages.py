"""The class pages of issue 15 in AppTest: the admin's Classes (add, bad input, edit,
capacity refusal, archive), the desk's Classes and waitlists (Enroll next), Skills (mark the
whole class, a forged table value), enrolling from a family's account, and the rosters page's
link. Every run: no exception."""

from __future__ import annotations

from datetime import date, time

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.skill_sheet import marks_from_frame, sheet_frame
from data.models import (
    Enrollment,
    EnrollmentStatus,
    Evaluation,
    GymClass,
    Level,
    OutboxMessage,
    Role,
    Term,
)
from services.classes.evaluation_marks import skill_sheet
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape


def _gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    f.staff(db, "boss@example.com", [gym.north], Role.ADMIN)
    db.commit()
    return gym


def _pick(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label == label)


def _admin_page(db: Session, location_id: int):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "boss@example.com", f.PASSWORD)
    at.session_state["location_id"] = location_id
    at.run()
    at.switch_page("../pages/admin_classes.py").run()
    assert not at.exception
    return at


def _fill_new_class(at, **overrides: object):  # type: ignore[no-untyped-def]
    values = {
        "name": "Saturday Stars",
        "tuition": "92.50",
        "term_start": date(2027, 1, 9),
        "term_end": date(2027, 3, 27),
        **overrides,
    }
    _pick(at.text_input, "Class name").input(values["name"])
    _pick(at.text_input, "Monthly tuition").input(values["tuition"])
    _pick(at.date_input, "Term starts").set_value(values["term_start"])
    _pick(at.date_input, "Term ends").set_value(values["term_end"])
    _pick(at.selectbox, "Weekday").set_value(5)
    _pick(at.time_input, "Starts at").set_value(time(9, 30))
    return at.button(key="FormSubmitter:admin_classes.new-Save class")


def _fresh(db: Session) -> None:
    """Read what the app wrote in its own session: no open snapshot, nothing cached."""
    db.rollback()
    db.expire_all()


def _classes(db: Session) -> int:
    _fresh(db)
    return db.scalar(select(func.count()).select_from(GymClass)) or 0


def test_the_admin_adds_a_class_and_bad_input_keeps_the_form(app_db: Session) -> None:
    gym = _gym(app_db)
    at = _admin_page(app_db, gym.north.id)
    _fill_new_class(at, tuition="lots").click().run()
    assert not at.exception
    assert "Enter an amount as a number, like 12.50." in [e.value for e in at.error]
    assert _classes(app_db) == 1
    assert _pick(at.text_input, "Class name").value == "Saturday Stars"
    _fill_new_class(at, term_end=date(2027, 1, 1)).click().run()
    assert "The term must end on or after its first day." in [e.value for e in at.error]
    _fill_new_class(at).click().run()
    assert not at.exception
    assert "Class added." in texts(at)
    assert _classes(app_db) == 2
    made = app_db.scalar(select(GymClass).where(GymClass.name == "Saturday Stars"))
    assert (made.tuition_cents, made.weekday, made.start_time) == (9_250, 5, time(9, 30))


def test_lowering_capacity_below_the_students_is_refused(app_db: Session) -> None:
    gym = _gym(app_db)
    at = _admin_page(app_db, gym.north.id)
    *_, capacity = [w for w in at.number_input if w.label == "Capacity"]  # the edit tab's
    capacity.set_value(1)
    at.button(key=f"FormSubmitter:admin_classes.edit.{gym.cls.id}-Save class").click().run()
    assert not at.exception
    assert any("cannot go below 2" in e.value for e in at.error)
    _fresh(app_db)
    assert app_db.get(GymClass, gym.cls.id).capacity == 8
    at.button(key="admin_classes.archive").click().run()
    assert not at.exception, at.exception
    _fresh(app_db)
    assert not app_db.get(GymClass, gym.cls.id).is_active


def test_the_desk_sees_fill_and_enrolls_the_next_on_the_waitlist(app_db: Session) -> None:
    gym = _gym(app_db)
    gym.cls.capacity = 3  # Maya, Ada and one free seat
    f.enroll(
        app_db,
        f.student(app_db, gym.family, "Leo"),
        gym.cls,
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_classes.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table[["Filled", "Seats", "Waitlist"]].iloc[0]) == ["2 / 3", "1 seat left", 1]
    assert "1. Leo Rivera (since Tue 1 Sep 2026)" in unescape(
        "\n".join(str(m.value) for m in at.markdown)
    )
    at.button(key=f"waitlist.{gym.cls.id}.next").click().run()
    assert not at.exception
    assert any("Leo Rivera has a place" in s.value for s in at.success)
    assert app_db.scalar(select(OutboxMessage.kind)) == "waitlist_promoted"
    at.text_input(key="classes.query").input("nothing like this").run()
    assert not at.exception and "No classes match." in texts(at)


def test_the_desk_enrolls_from_the_family_account(app_db: Session) -> None:
    gym = _gym(app_db)
    leo = f.student(app_db, gym.family, "Leo")
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.session_state["families.open"] = gym.family.id
    at.run()
    assert not at.exception
    at.radio(key=f"places.{leo.id}.action").set_value("Enroll").run()
    assert not at.exception
    at.button(key=f"FormSubmitter:places.{leo.id}.join.False-Enroll").click().run()
    assert not at.exception
    assert any("Leo is enrolled in Tumblers" in s.value for s in at.success)
    _fresh(app_db)
    assert (
        app_db.scalar(select(Enrollment.status).where(Enrollment.student_id == leo.id))
        is EnrollmentStatus.ACTIVE
    )
    at.radio(key=f"places.{leo.id}.action").set_value("Drop").run()
    assert not at.exception
    at.button(key=f"FormSubmitter:places.{leo.id}.drop-Drop").click().run()
    assert not at.exception
    assert any("Leo leaves Tumblers" in s.value for s in at.success)


def test_a_front_desk_of_another_location_cannot_open_these_classes(app_db: Session) -> None:
    gym = _gym(app_db)
    at = signed_in_app(app_db, "south@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_classes.py").run()
    assert not at.exception
    assert f"waitlist.{gym.cls.id}.next" not in [b.key for b in at.button]
    at.switch_page("../pages/staff_skills.py").run()
    assert not at.exception
    assert "No classes to mark here" in texts(at)


def test_skills_mark_the_whole_class_and_a_forged_value_is_refused(app_db: Session) -> None:
    gym = _gym(app_db)
    level = app_db.get(Level, gym.cls.level_id)
    f.skill(app_db, level, "Forward roll", 1)
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_rosters.py").run()
    assert not at.exception
    at.switch_page("../pages/staff_skills.py").run()
    assert not at.exception
    [mark] = [w for w in at.selectbox if w.label == "Mark"]
    mark.set_value("mastered")
    at.button(key=f"FormSubmitter:skills.bulk.{gym.cls.id}-Mark everyone").click().run()
    assert not at.exception
    assert "Saved 2 marks." in texts(at)
    _fresh(app_db)
    assert app_db.scalar(select(func.count()).select_from(Evaluation)) == 2
    # The table's round trip, and a value a forged client could send.
    sheet = skill_sheet(app_db, gym.desk, gym.cls.id)
    frame = sheet_frame(sheet)
    assert list(frame["Status"]) == ["Mastered", "Mastered"]
    assert marks_from_frame(frame) == list(sheet.marks)
    forged = pd.concat([frame.iloc[:1].assign(Status="Perfect")])
    assert marks_from_frame(forged)[0].status == "Perfect"  # the service refuses it


def test_a_guardian_has_none_of_these_pages(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "second@example.com", f.PASSWORD).run()
    assert not at.exception
    for page in ("admin_classes", "staff_classes", "staff_skills"):
        try:
            at.switch_page(f"../pages/{page}.py")
        except ValueError:
            continue
        raise AssertionError(f"{page} is open to a guardian")


def test_the_desk_waitlists_and_transfers_from_the_family_account(app_db: Session) -> None:
    gym = _gym(app_db)
    gym.cls.capacity = 2  # Maya and Ada: full
    leo = f.student(app_db, gym.family, "Leo")
    thursday = f.gym_class(
        app_db, gym.north, level=app_db.get(Level, gym.cls.level_id), weekday=3, name="Thursday"
    )
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.session_state["families.open"] = gym.family.id
    at.run()
    at.radio(key=f"places.{leo.id}.action").set_value("Waitlist").run()
    assert not at.exception
    at.selectbox(key=f"places.{leo.id}.class.wait").set_value(gym.cls.id).run()
    at.button(key=f"FormSubmitter:places.{leo.id}.join.True-Add to the waitlist").click().run()
    assert not at.exception
    assert any("Leo is #1 on the waitlist." in s.value for s in at.success)
    at.radio(key=f"places.{gym.maya.id}.action").set_value("Transfer").run()
    assert not at.exception
    assert at.selectbox(key=f"places.{gym.maya.id}.target").value == thursday.id
    at.button(key=f"FormSubmitter:places.{gym.maya.id}.transfer-Transfer").click().run()
    assert not at.exception
    assert any("Moved Maya from Tumblers to Thursday" in s.value for s in at.success)
    _fresh(app_db)
    assert (
        app_db.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.class_id == thursday.id)
        )
        == 1
    )


def test_an_instructor_marks_their_own_class_without_a_location(app_db: Session) -> None:
    gym = _gym(app_db)
    coach = f.staff(app_db, "coach@example.com", [])
    gym.cls.instructor_user_id = coach.user_id
    f.skill(app_db, app_db.get(Level, gym.cls.level_id), "Forward roll", 1)
    app_db.commit()
    at = signed_in_app(app_db, "coach@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_skills.py").run()
    assert not at.exception
    assert at.selectbox(key="skills.class").value == gym.cls.id
    at.button(key=f"FormSubmitter:skills.sheet.{gym.cls.id}-Save marks").click().run()
    assert not at.exception
    assert "Nothing changed." in texts(at)


def test_the_admin_picks_an_active_term_for_the_class(app_db: Session) -> None:
    gym = _gym(app_db)
    app_db.add_all(
        [
            Term(name="Spring 2027", start_date=date(2027, 1, 11), end_date=date(2027, 5, 28)),
            Term(
                name="Fall 2025",
                start_date=date(2025, 9, 1),
                end_date=date(2025, 12, 20),
                is_active=False,
            ),
        ]
    )
    app_db.commit()
    at = _admin_page(app_db, gym.north.id)
    term = at.selectbox(key="admin_classes.new.term")
    assert term.options == ["Spring 2027 (11 Jan 2027 – 28 May 2027)", "Other dates (no term)"]
    # Only the edit tab's class (dates of no term) shows typed dates: the term gives the new one's.
    assert [w.label for w in at.date_input].count("Term starts") == 1
    _pick(at.text_input, "Class name").input("Saturday Stars")
    _pick(at.text_input, "Monthly tuition").input("92.50")
    at.button(key="FormSubmitter:admin_classes.new-Save class").click().run()
    assert not at.exception
    assert "Class added." in texts(at)
    _fresh(app_db)
    made = app_db.scalar(select(GymClass).where(GymClass.name == "Saturday Stars"))
    assert (made.term_start, made.term_end) == (date(2027, 1, 11), date(2027, 5, 28))
    terms = at.dataframe[0].value["Term"].tolist()
    assert "Spring 2027: Mon 11 Jan 2027 – Fri 28 May 2027" in terms
    # The edit tab reads the class's term back from its dates; "Other dates" shows the fields.
    at.selectbox(key="admin_classes.class").set_value(made.id).run()
    assert not at.exception
    assert at.selectbox(key=f"admin_classes.edit.{made.id}.term").value == made_term(app_db)
    at.selectbox(key="admin_classes.new.term").set_value(0).run()
    assert not at.exception
    assert [w.label for w in at.date_input].count("Term starts") == 1  # the new form's now


def made_term(db: Session) -> int:
    return db.scalar(select(Term.id).where(Term.name == "Spring 2027"))
