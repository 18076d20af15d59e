"""The desk never starts a place, or lists a removed class, on a day the location is closed:
the Enroll picker's start dates, a forged closed start date, "Enroll next" and the drop
preview's removed classes all skip closures (issue 15's leftovers). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment
from services.classes.drops import drop_preview
from services.classes.enroll import enroll_next, enroll_student
from services.classes.enroll_choices import enroll_choices
from services.classes.waitlists import join_waitlist
from services.kernel.errors import ValidationError
from tests import factories as f
from tests.services.test_closed_day_choices import _close

NOV_24, DEC_1, DEC_8, DEC_15 = (
    date(2026, 11, 24),
    date(2026, 12, 1),
    date(2026, 12, 8),
    date(2026, 12, 15),
)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def test_the_enroll_picker_offers_no_closed_day(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    _close(db, gym.north.id, NOV_24, DEC_1)
    _close(db, None, DEC_15, DEC_15)
    [choice] = enroll_choices(db, gym.desk, leo.id, gym.north.id)
    assert NOV_24 not in choice.start_dates and DEC_15 not in choice.start_dates
    assert choice.start_dates[0] == DEC_8


def test_a_forged_closed_start_date_is_refused(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    _close(db, gym.north.id, DEC_1, DEC_1)
    for kind in ("regular", "trial"):
        with pytest.raises(ValidationError, match="the location is closed that day"):
            enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1, kind)
    db.expire_all()
    assert db.scalar(select(Enrollment.id).where(Enrollment.student_id == leo.id)) is None
    assert enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_8).start_date == DEC_8


def test_enroll_next_starts_on_the_first_open_class(db: Session, gym: f.FamilyGym) -> None:
    gym.cls.capacity = 2  # Maya and Ada: full
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    join_waitlist(db, gym.desk, leo.id, gym.cls.id)
    gym.cls.capacity = 3  # a seat opens
    db.commit()
    _close(db, gym.north.id, NOV_24, DEC_1)
    assert enroll_next(db, gym.desk, gym.cls.id).start_date == DEC_8


def test_the_drop_preview_lists_no_closed_class(db: Session, gym: f.FamilyGym) -> None:
    place = db.scalar(select(Enrollment.id).where(Enrollment.student_id == gym.maya.id))
    _close(db, gym.north.id, DEC_8, DEC_8)
    preview = drop_preview(db, gym.desk, place, DEC_1)
    assert DEC_8 not in preview.removed_dates
    assert preview.removed_dates[:2] == (DEC_1, DEC_15)
