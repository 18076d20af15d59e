"""Places that ended (drop or transfer with a later effective date) and coming back to the
class (issue 13, item 14), on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment, EnrollmentStatus
from services.classes.drops import drop_enrollment
from services.classes.transfers import transfer_enrollment
from services.classes.waitlists import join_waitlist
from services.kernel import clock
from services.kernel.errors import ValidationError
from tests import factories as f
from tests.support.seats import DEC_3, Gym, build_gym

DEC_1, DEC_8 = date(2026, 12, 1), date(2026, 12, 8)
DEC_4_MORNING = datetime(2026, 12, 4, 15, tzinfo=UTC)


@pytest.fixture
def gym(db: Session) -> Gym:
    return build_gym(db)


def places_in(db: Session, gym: Gym, name: str) -> list[EnrollmentStatus]:
    db.expire_all()
    return list(
        db.scalars(
            select(Enrollment.status)
            .where(
                Enrollment.student_id == gym.students[name].id,
                Enrollment.class_id == gym.tuesday.id,
            )
            .order_by(Enrollment.id)
        )
    )


def test_a_student_can_transfer_back_once_the_old_place_has_ended(db: Session, gym: Gym) -> None:
    moved = transfer_enrollment(db, gym.desk, gym.places["Maya"].id, gym.thursday.id, DEC_3)
    with pytest.raises(ValidationError, match="ends on Wednesday 2 December 2026"):
        transfer_enrollment(db, gym.desk, moved.enrollment_id, gym.tuesday.id, DEC_8)
    with clock.frozen_at(DEC_4_MORNING):  # the old place ended on 2 December; nobody closed it
        back = transfer_enrollment(db, gym.desk, moved.enrollment_id, gym.tuesday.id, DEC_8)
    assert back.applied
    assert places_in(db, gym, "Maya") == [EnrollmentStatus.TRANSFERRED, EnrollmentStatus.ACTIVE]


def test_a_student_who_dropped_the_class_can_join_it_again(db: Session, gym: Gym) -> None:
    f.portal_settings(db, requests_need_approval=False)
    drop_enrollment(db, gym.guardian, gym.places["Leo"].id, DEC_1)
    full = gym.tuesday
    full.capacity = 4  # the four Riveras left fill it: joining means its waitlist
    db.commit()
    with clock.frozen_at(DEC_4_MORNING):
        with pytest.raises(ValidationError, match="already in that class"):
            join_waitlist(db, gym.guardian, gym.students["Maya"].id, full.id)
        joined = join_waitlist(db, gym.guardian, gym.students["Leo"].id, full.id)
    assert joined.status == "waitlisted"
    assert places_in(db, gym, "Leo") == [EnrollmentStatus.DROPPED, EnrollmentStatus.WAITLISTED]
