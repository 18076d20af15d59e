"""Drops and transfers never take effect on a day the location is closed (issue 15): the
drop preview and the transfer options leave closed days out of their date choices, and a
forged closed date is refused by the drop, the transfer and the staff steps alike. A closure
at another location, or one that was removed, closes nothing here. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from data.models import Closure, Enrollment, EnrollmentStatus
from services.classes.drops import drop_enrollment, drop_preview
from services.classes.transfers import transfer_enrollment, transfer_options
from services.kernel import clock
from services.kernel.errors import ValidationError
from tests.services.test_enrollments import (
    DEC_1,
    DEC_3,
    DEC_8,
    DEC_10,
    DEC_15,
    DEC_17,
    NOV_26,
    TODAY,
    World,
    build_world,
    direct,
)


@pytest.fixture
def world(db: Session) -> World:
    world = build_world(db)
    direct(db)
    db.commit()
    return world


def _close(db: Session, location_id: int | None, first: date, last: date, **extra: object) -> None:
    db.add(
        Closure(
            location_id=location_id,
            first_day=first,
            last_day=last,
            reason="Snow",
            created_at=clock.now(),
            **extra,
        )
    )
    db.commit()


def test_the_drop_preview_offers_no_closed_day(db: Session, world: World) -> None:
    _close(db, world.north.id, TODAY, TODAY)  # today's class is cancelled
    _close(db, None, DEC_8, DEC_8)  # every location
    _close(db, world.south.id, DEC_1, DEC_1)  # another location's closure
    _close(db, world.north.id, DEC_15, DEC_15, removed_at=clock.now())  # removed
    preview = drop_preview(db, world.guardian, world.place.id)
    assert preview.choices == (DEC_1, DEC_15)
    assert preview.effective_date == DEC_1  # the default is the next open class


@pytest.mark.parametrize("closed_for", ["north", "everywhere"])
def test_a_forged_closed_drop_date_is_refused(db: Session, world: World, closed_for: str) -> None:
    _close(db, world.north.id if closed_for == "north" else None, DEC_8, DEC_8)
    message = "Tumblers does not meet on Tuesday 8 December 2026: the location is closed"
    with pytest.raises(ValidationError, match=message):
        drop_preview(db, world.guardian, world.place.id, DEC_8)
    for actor in (world.guardian, world.desk):
        with pytest.raises(ValidationError, match=message):
            drop_enrollment(db, actor, world.place.id, DEC_8)
    db.expire_all()
    place = db.get(Enrollment, world.place.id)
    assert (place.status, place.end_date) == (EnrollmentStatus.ACTIVE, None)
    assert drop_enrollment(db, world.guardian, world.place.id, DEC_15).applied


def test_transfer_start_dates_skip_closed_days(db: Session, world: World) -> None:
    _close(db, world.north.id, NOV_26, DEC_3)  # two Thursdays at Northside
    _close(db, None, DEC_17, DEC_17)
    _close(db, world.south.id, DEC_10, DEC_10)  # another location: no effect on Northside
    [thursday] = transfer_options(db, world.guardian, world.place.id, world.north.id)
    assert thursday.start_dates == (DEC_10,)


def test_a_forged_closed_transfer_date_is_refused(db: Session, world: World) -> None:
    _close(db, world.north.id, DEC_3, DEC_3)
    for actor in (world.guardian, world.desk):
        with pytest.raises(ValidationError, match="Thursday 3 December 2026: the location is"):
            transfer_enrollment(db, actor, world.place.id, world.thursday.id, DEC_3)
    db.expire_all()
    assert db.get(Enrollment, world.place.id).end_date is None
    assert transfer_enrollment(db, world.guardian, world.place.id, world.thursday.id, DEC_10)
