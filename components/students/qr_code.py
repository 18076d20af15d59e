"""The student's check-in QR code, shown and downloadable as PNG."""

from __future__ import annotations

import streamlit as st

from components.student_code_resets import render_checkin_code_reset
from data.db import session_scope
from services.desk.checkin_codes import checkin_qr_png, student_checkin_code
from services.families.students import StudentCard
from services.kernel.access import Actor


def render_qr_code(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        code = student_checkin_code(db, actor, student.id)
    png = checkin_qr_png(code)
    st.image(
        png,
        caption=f"Show this at the front desk to check {student.first_name} in.",
        alt=f"{student.first_name}'s check-in QR code",
        width=240,
    )
    st.download_button(
        "Download QR code (PNG)",
        data=png,
        file_name=f"checkin-{student.first_name.lower()}.png",
        mime="image/png",
        on_click="ignore",
        key="students.qr_download",
    )
    render_checkin_code_reset(actor, student.id, student.first_name)
