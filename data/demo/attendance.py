"""Attendance rows: one student at one class meeting, marked just after the class ended."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from data.demo.plan import Context, Slot, StudentPlan
from data.models import AttendanceStatus

MARKED_AFTER_END = timedelta(minutes=10)


@functools.cache
def _utc_offset(timezone: str, day: date) -> timedelta:
    offset = datetime.combine(day, time(12), ZoneInfo(timezone)).utcoffset()
    assert offset is not None
    return offset


def marked_at(slot: Slot, day: date) -> datetime:
    """Ten minutes after the class ended, in UTC (class times are the location's wall clock)."""
    end = datetime.combine(day, slot.end, UTC)
    return end - _utc_offset(slot.location.place.timezone, day) + MARKED_AFTER_END


def add_attendance(
    ctx: Context,
    student: StudentPlan,
    class_id: int,
    slot: Slot,
    day: date,
    status: AttendanceStatus,
    enrollment_id: int | None,
) -> None:
    ctx.writer.add(
        "attendance",
        {
            "id": ctx.writer.new_id("attendance"),
            "student_id": student.id,
            "class_id": class_id,
            "location_id": slot.location.id,
            "enrollment_id": enrollment_id,
            "class_date": day,
            "status": status,
            "marked_at": marked_at(slot, day),
            "marked_by_user_id": slot.location.staff_user_id,
        },
    )
