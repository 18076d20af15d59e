"""Read-only views of a location's day: its classes in one table, and one class's roster."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import escape_markdown, format_time, format_time_range
from components.static_table import render_static_table
from services.desk.day_rosters import DayRosters
from services.desk.rosters import Roster, RosterStudent

# Text and a symbol, never colour alone (issue 18): the mark reads the same without colour.
MARK_LABELS = {
    "present": "✓ Present",
    "absent": "✗ Absent",
    "excused": "– Excused",
    "makeup": "✓ Makeup (present)",
}
NOT_MARKED = "○ Not marked"


def mark_label(attendance: str | None) -> str:
    return MARK_LABELS.get(attendance or "", NOT_MARKED)


def roster_title(roster: Roster) -> str:
    return (
        f"{format_time_range(roster.start_time, roster.end_time)} · {roster.class_name} · "
        f"{roster.instructor} · {len(roster.students)}/{roster.capacity} · "
        f"{roster.unmarked} not marked"
    )


def render_classes_table(day: DayRosters) -> None:
    """One row per class meeting today: four short columns, so they fit a 390 px phone."""
    rows = [
        {
            "Starts": format_time(r.start_time),
            "Class": r.class_name,
            "Students": f"{len(r.students)}/{r.capacity}",
            "To mark": r.unmarked,
        }
        for r in day.rosters
    ]
    render_static_table(rows, alt="Classes today", right=("Students", "To mark"))


def pick_roster(day: DayRosters, key: str) -> Roster | None:
    """A class of the day (the one running or next until another is chosen)."""
    if not day.rosters:
        return None
    ids = [r.class_id for r in day.rosters]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = day.current.class_id  # type: ignore[union-attr]
    chosen = st.selectbox(
        "Class",
        ids,
        key=key,
        format_func=lambda i: roster_title(day.roster(i)),  # type: ignore[arg-type]
    )
    return day.roster(chosen)


def render_roster_table(roster: Roster) -> None:
    st.markdown(f"**{escape_markdown(roster_title(roster))}**")
    if not roster.students:
        st.caption("No students on this roster.")
        return
    # Two columns so the mark stays on a phone's screen; the flags follow the name.
    render_static_table(
        pd.DataFrame(
            {
                "Attendance": [mark_label(s.attendance) for s in roster.students],
                "Student": [
                    " · ".join(filter(None, (s.student_name, flags(s)))) for s in roster.students
                ],
            }
        ),
        alt=f"Roster: {roster_title(roster)}",
    )


def flags(student: RosterStudent) -> str:
    found = []
    if student.enrollment_type != "regular":
        found.append(student.enrollment_type.replace("_", "-"))
    if student.medical_notes:
        found.append(f"⚠ {student.medical_notes}")
    if student.unpaid_balance:
        found.append("unpaid balance")
    if student.future_absence:
        found.append("reported absent")
    return " · ".join(found)
