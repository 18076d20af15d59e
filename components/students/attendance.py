"""The Attendance section of a student (the same pieces as the Attendance page)."""

from __future__ import annotations

from components.attendance_chart import render_attendance_chart
from components.attendance_table import render_attendance_records
from data.db import session_scope
from services.classes.attendance import student_attendance, weekly_attendance
from services.families.students import StudentCard
from services.kernel.access import Actor


def render_student_attendance(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        weeks = weekly_attendance(db, actor, student.id, weeks=12)
        records = student_attendance(db, actor, student.id)
    render_attendance_chart(weeks, key=f"students.attendance_chart.{student.id}")
    render_attendance_records(records, key="students.attendance")
