"""The all-locations view of the analytics page: one row per location, from three aggregate
queries whatever the number of locations (issue 17): attendance per class, runs of absences
per location, and places enrolled today per location.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from data.models import Enrollment, EnrollmentStatus, GymClass
from services.desk.analytics_scope import (
    AnalyticsFilter,
    _class_conditions,
    _frame,
    _on_each_today,
    _Scope,
    _scope,
    _with_rate,
)
from services.desk.analytics_streaks import (
    IN_CLASS_TYPES,
    absence_runs,
    check_missed,
    check_rate,
    is_low,
    per_class_counts,
)
from services.kernel.access import Actor

COLUMNS = [
    "location_id",
    "location",
    "enrolled",
    "attended",
    "recorded",
    "absences",
    "dropping",
    "low_classes",
]


def location_comparison(
    db: Session, actor: Actor, f: AnalyticsFilter, below: float, missed_in_a_row: int = 3
) -> pd.DataFrame:
    """One row per location in scope (every location the actor sees when the filter names
    none), in name order, with the same figures the one-location view shows:

    enrolled (class_fill's enrolled, summed), attended / recorded / rate (weekly_rate's,
    summed), absences (absences_over_time's absent, summed), dropping (dropping_students'
    rows with `missed_in_a_row`), low_classes (low_attendance_classes' rows below `below`).
    """
    check_rate(below)
    check_missed(missed_in_a_row)
    scope = _scope(db, actor, f)
    if not scope.places:
        return _with_rate(_frame([], COLUMNS, _counts()))
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    per_class = per_class_counts(scope)
    for row in db.execute(
        select(GymClass.location_id, per_class).join(GymClass, GymClass.id == per_class.c.class_id)
    ):
        total = totals[row.location_id]
        total[0] += row.attended
        total[1] += row.recorded
        total[2] += row.absent
        total[3] += is_low(row.attended, row.recorded, below)
    runs = absence_runs(scope, missed_in_a_row)
    dropping = dict(
        db.execute(
            select(GymClass.location_id, func.count())
            .select_from(runs)
            .join(GymClass, GymClass.id == runs.c.class_id)
            .group_by(GymClass.location_id)
        ).all()
    )
    enrolled = _enrolled_today(db, scope)
    rows = []
    for place in scope.places:
        attended, recorded, absent, low = totals[place.id]
        rows.append(
            (
                place.id,
                place.name,
                enrolled.get(place.id, 0),
                attended,
                recorded,
                absent,
                dropping.get(place.id, 0),
                low,
            )
        )
    return _with_rate(_frame(rows, COLUMNS, _counts()))


def _counts() -> list[str]:
    return [c for c in COLUMNS if c != "location"]


def _enrolled_today(db: Session, scope: _Scope) -> dict[int, int]:
    """Active regular and trial places covering each location's today, in the active classes
    the filter keeps (class_fill's `enrolled`)."""

    def covers(day: date) -> ColumnElement[bool]:
        return and_(
            Enrollment.start_date <= day,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
        )

    return dict(
        db.execute(
            select(GymClass.location_id, func.count())
            .join(Enrollment, Enrollment.class_id == GymClass.id)
            .where(
                GymClass.location_id.in_(scope.location_ids),
                GymClass.is_active.is_(True),
                *_class_conditions(scope.filter),
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.type.in_(IN_CLASS_TYPES),
                _on_each_today(scope.places, GymClass.location_id, covers),
            )
            .group_by(GymClass.location_id)
        ).all()
    )
