"""A class runs in the term the admin picks (issue 15): the term's dates are copied onto the
class, the form reads the term back from the dates, an archived or unknown term is refused,
and a class outside any term keeps its typed dates. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, GymClass, Term
from services.backoffice.class_list import class_list
from services.backoffice.classes import ClassInput, class_values, create_class, update_class
from services.kernel.errors import NotFound, ValidationError
from tests import factories as f


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def _term(db: Session, name: str, first: date, last: date, *, active: bool = True) -> int:
    term = Term(name=name, start_date=first, end_date=last, is_active=active)
    db.add(term)
    db.commit()
    return term.id


def _form(gym: f.FamilyGym, **changes: object) -> ClassInput:
    base = ClassInput(
        location_id=gym.north.id,
        level_id=gym.cls.level_id,
        name="Saturday Stars",
        weekday=5,
        start_time=time(9, 30),
        length_minutes=45,
        term_start=None,
        term_end=None,
        capacity=10,
        tuition="85",
    )
    return dataclasses.replace(base, **changes)


def _count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(GymClass)) or 0


def test_the_class_runs_in_the_chosen_terms_dates(db: Session, gym: f.FamilyGym) -> None:
    spring = _term(db, "Spring 2027", date(2027, 1, 11), date(2027, 5, 28))
    # Typed dates are ignored once a term is chosen: the term decides.
    form = _form(gym, term_id=spring, term_start=date(2030, 1, 1), term_end=date(2030, 2, 1))
    class_id = create_class(db, gym.admin, form)
    cls = db.get(GymClass, class_id)
    assert (cls.term_start, cls.term_end) == (date(2027, 1, 11), date(2027, 5, 28))
    assert class_values(db, gym.admin, class_id).term_id == spring
    details = db.scalar(select(AuditEntry.details).where(AuditEntry.action == "class.created"))
    assert details["term_id"] == spring and details["term_start"] == "2027-01-11"


def test_a_class_moved_to_another_term_takes_its_dates(db: Session, gym: f.FamilyGym) -> None:
    fall = _term(db, "Fall 2027", date(2027, 9, 1), date(2027, 12, 18))
    update_class(db, gym.admin, gym.cls.id, _form(gym, term_id=fall, weekday=gym.cls.weekday))
    db.expire_all()
    assert (gym.cls.term_start, gym.cls.term_end) == (date(2027, 9, 1), date(2027, 12, 18))


def test_a_class_outside_any_term_keeps_its_typed_dates(db: Session, gym: f.FamilyGym) -> None:
    _term(db, "Spring 2027", date(2027, 1, 11), date(2027, 5, 28))
    form = _form(gym, term_start=date(2027, 2, 6), term_end=date(2027, 3, 27))
    class_id = create_class(db, gym.admin, form)
    cls = db.get(GymClass, class_id)
    assert (cls.term_start, cls.term_end) == (date(2027, 2, 6), date(2027, 3, 27))
    assert class_values(db, gym.admin, class_id).term_id is None  # no term has these dates


def test_the_form_reads_back_only_an_active_term(db: Session, gym: f.FamilyGym) -> None:
    summer = _term(db, "Summer 2027", date(2027, 6, 7), date(2027, 8, 20))
    class_id = create_class(db, gym.admin, _form(gym, term_id=summer))
    db.get(Term, summer).is_active = False
    db.commit()
    values = class_values(db, gym.admin, class_id)
    assert values.term_id is None
    assert (values.term_start, values.term_end) == (date(2027, 6, 7), date(2027, 8, 20))


def test_an_archived_term_is_refused_and_nothing_written(db: Session, gym: f.FamilyGym) -> None:
    old = _term(db, "Fall 2025", date(2025, 9, 1), date(2025, 12, 20), active=False)
    with pytest.raises(ValidationError, match="The term Fall 2025 is archived"):
        create_class(db, gym.admin, _form(gym, term_id=old))
    with pytest.raises(ValidationError, match="archived"):
        update_class(db, gym.admin, gym.cls.id, _form(gym, term_id=old))
    assert _count(db) == 1
    db.expire_all()
    assert gym.cls.name != "Saturday Stars"


@pytest.mark.parametrize("term_id", [999_999, 0, -3])
def test_an_unknown_term_answers_not_found(db: Session, gym: f.FamilyGym, term_id: int) -> None:
    with pytest.raises(NotFound, match=r"That term was not found\."):
        create_class(db, gym.admin, _form(gym, term_id=term_id))
    assert _count(db) == 1


@pytest.mark.parametrize("term_id", ["1", 1.0, True, [1]])
def test_a_forged_term_value_is_refused(db: Session, gym: f.FamilyGym, term_id: object) -> None:
    _term(db, "Spring 2027", date(2027, 1, 11), date(2027, 5, 28))
    with pytest.raises(ValidationError):
        create_class(db, gym.admin, _form(gym, term_id=term_id))
    assert _count(db) == 1


def test_without_a_term_the_dates_are_required(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(ValidationError, match="Choose the term's start date"):
        create_class(db, gym.admin, _form(gym))
    assert _count(db) == 1


def test_the_class_list_names_the_term(db: Session, gym: f.FamilyGym) -> None:
    """The list reads the term from the dates: an active term with exactly them, else none
    (lowest id when two share dates; an archived one names nothing)."""
    spring = _term(db, "Spring 2027", date(2027, 1, 11), date(2027, 5, 28))
    _term(db, "Spring 2027 (copy)", date(2027, 1, 11), date(2027, 5, 28))
    create_class(db, gym.admin, _form(gym, term_id=spring))
    by_name = {row.name: row.term for row in class_list(db, gym.desk, gym.north.id).rows}
    assert by_name == {"Saturday Stars": "Spring 2027", gym.cls.name: ""}
    db.get(Term, spring).is_active = False
    db.commit()
    by_name = {row.name: row.term for row in class_list(db, gym.desk, gym.north.id).rows}
    assert by_name["Saturday Stars"] == "Spring 2027 (copy)"
