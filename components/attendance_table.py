"""Attendance per enrollment: each class date with its status, and the rate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import escape_markdown, format_date, format_rate
from services.classes.attendance import EnrollmentAttendance

STATUS_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused", "makeup": "Makeup"}


def marks_frame(record: EnrollmentAttendance) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Date": [format_date(mark.class_date) for mark in record.marks],
            "Attendance": [STATUS_LABELS.get(mark.status, mark.status) for mark in record.marks],
        }
    )


def render_enrollment_attendance(record: EnrollmentAttendance) -> None:
    title = f"{record.class_name} · {record.location_name} — no classes marked yet"
    if record.rate.recorded:
        title = (
            f"{record.class_name} · {record.location_name} — "
            f"{format_rate(record.rate.rate)} attended ({record.rate.attended} of "
            f"{record.rate.recorded})"
        )
    with st.expander(escape_markdown(title)):
        if record.marks:
            st.dataframe(marks_frame(record), hide_index=True, width="stretch")
        else:
            st.caption("No classes recorded yet.")


def render_attendance_records(records: list[EnrollmentAttendance], *, key: str) -> None:
    current = [r for r in records if r.is_current]
    past = [r for r in records if not r.is_current]
    if not records:
        st.info("No attendance has been recorded yet.")
    for record in current:
        render_enrollment_attendance(record)
    if past and st.toggle("Show past enrollments", key=f"{key}.past"):
        for record in past:
            render_enrollment_attendance(record)
