"""The desk's edits on a family's account: invite the primary guardian to the portal, correct
a guardian's name, add a secondary guardian, edit or add students. Each form keeps its input
when refused."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.actions import run_then_rerun
from components.consent_boxes import render_consent_boxes
from components.formatting import escape_markdown
from data.config import public_base_url
from services.accounts.invitations import invite_primary_guardian
from services.backoffice.family_edit import (
    add_family_guardian,
    add_guardian_contact,
    rename_guardian,
)
from services.backoffice.family_input import GuardianSetup
from services.desk.family_lookup import FamilyOverview
from services.families.students import StudentCard, StudentInput, add_student, update_student
from services.kernel.access import Actor

OLDEST = date(1920, 1, 1)


def render_invite_primary(actor: Actor, view: FamilyOverview) -> None:
    primary = next((g for g in view.guardians if g.is_primary), None)
    if primary is None or primary.access == "can_log_in":
        return
    again = primary.access != "no_login"
    label = "Send a new portal invitation" if again else "Invite to the portal"
    if st.button(f"{label}: {primary.name}", key=f"fam.invite.{view.family_id}"):
        run_then_rerun(
            lambda db: invite_primary_guardian(
                db, actor, view.family_id, base_url=public_base_url()
            ),
            f"Invitation e-mailed to {escape_markdown(primary.name)}.",
        )


def render_guardian_edits(actor: Actor, view: FamilyOverview) -> None:
    with st.expander("Edit guardians"):
        for guardian in view.guardians:
            with st.form(f"fam.guardian.{guardian.id}"):
                first_col, last_col = st.columns(2)
                key = f"fam.g{guardian.id}"
                first = first_col.text_input(
                    "First name", guardian.first_name, max_chars=60, key=f"{key}.first"
                )
                last = last_col.text_input(
                    "Last name", guardian.last_name, max_chars=60, key=f"{key}.last"
                )
                if st.form_submit_button("Save name"):
                    _rename(actor, guardian.id, first, last)
            _contact_form(actor, guardian.id)
        with st.form(f"fam.add_guardian.{view.family_id}"):
            st.markdown("**Add a secondary guardian**")
            first_col, last_col = st.columns(2)
            key = f"fam.new_g{view.family_id}"
            first = first_col.text_input("First name", max_chars=60, key=f"{key}.first")
            last = last_col.text_input("Last name", max_chars=60, key=f"{key}.last")
            email_col, phone_col = st.columns(2)
            email = email_col.text_input("E-mail address", max_chars=254, key=f"{key}.email")
            phone = phone_col.text_input(
                "Phone number (optional)", max_chars=40, key=f"{key}.phone"
            )
            email_ok, sms_ok = render_consent_boxes(key)
            if st.form_submit_button("Add guardian"):
                new = GuardianSetup(first, last, (email,), (phone,), None, email_ok, sms_ok)
                run_then_rerun(
                    lambda db: add_family_guardian(db, actor, view.family_id, new),
                    "Guardian added.",
                )


def _contact_form(actor: Actor, guardian_id: int) -> None:
    key = f"fam.c{guardian_id}"
    with st.form(key):
        email_col, phone_col = st.columns(2)
        email = email_col.text_input("Add an e-mail address", max_chars=254, key=f"{key}.email")
        phone = phone_col.text_input("Add a phone number", max_chars=40, key=f"{key}.phone")
        email_ok, sms_ok = render_consent_boxes(key, email_col, phone_col)
        if st.form_submit_button("Add contact"):
            run_then_rerun(
                lambda db: add_guardian_contact(
                    db, actor, guardian_id, email=email, phone=phone,
                    email_opt_in=email_ok, sms_opt_in=sms_ok,
                ),
                "Contact details added.",
            )  # fmt: skip


def _rename(actor: Actor, guardian_id: int, first: str, last: str) -> None:
    run_then_rerun(
        lambda db: rename_guardian(db, actor, guardian_id, first, last), "Guardian's name saved."
    )


def render_student_edits(actor: Actor, view: FamilyOverview) -> None:
    with st.expander("Edit students"):
        for student in view.students:
            with st.form(f"fam.student.{student.id}"):
                data = _student_fields(student, f"fam.s{student.id}")
                if st.form_submit_button("Save student"):
                    run_then_rerun(
                        lambda db, sid=student.id, d=data: update_student(db, actor, sid, d),
                        "Student saved.",
                    )
        with st.form(f"fam.add_student.{view.family_id}"):
            st.markdown("**Add a student**")
            data = _student_fields(None, f"fam.new_s{view.family_id}")
            if st.form_submit_button("Add student"):
                run_then_rerun(
                    lambda db: add_student(db, actor, data, family_id=view.family_id),
                    "Student added.",
                )


def _student_fields(student: StudentCard | None, key: str) -> StudentInput:
    first_col, last_col, born_col = st.columns(3)
    first = first_col.text_input(
        "First name", student.first_name if student else "", max_chars=60, key=f"{key}.first"
    )
    last = last_col.text_input(
        "Last name", student.last_name if student else "", max_chars=60, key=f"{key}.last"
    )
    birth = born_col.date_input(
        "Birth date", student.birth_date if student else None, min_value=OLDEST, key=f"{key}.birth"
    )
    gender = st.text_input(
        "Gender (optional)", student.gender if student else "", max_chars=40, key=f"{key}.gender"
    )
    notes = st.text_area(
        "Medical notes", student.medical_notes if student else "", max_chars=1000,
        key=f"{key}.notes",
    )  # fmt: skip
    return StudentInput(first, last, birth, gender, notes)  # type: ignore[arg-type]
