"""A family's account as staff see it: guardians and contacts (corrected at the desk), students
with their class places (enroll, waitlist, drop, transfer at the desk), balance, ledger,
money at the desk,
staff-only notes."""

from __future__ import annotations

import streamlit as st

from components.actions import run_then_rerun
from components.desk_contacts import render_desk_contacts
from components.desk_money import render_desk_money
from components.family_edit_forms import (
    render_guardian_edits,
    render_invite_primary,
    render_student_edits,
)
from components.formatting import escape_markdown, format_date, format_moment
from components.ledger_table import render_ledger_table
from components.money import render_money_metric
from components.student_code_resets import render_student_resets
from components.student_places import render_student_places
from data.db import session_scope
from services.billing.transactions_history import RECENT_DAYS, ledger_meta
from services.desk.family_lookup import FamilyOverview, add_staff_note, staff_family_ledger
from services.kernel.access import Actor


def render_family_overview(actor: Actor, view: FamilyOverview) -> None:
    st.subheader(escape_markdown(view.family_name))
    owed, credit = st.columns(2)
    with owed:
        render_money_metric("Outstanding balance", view.balance.outstanding_cents)
    with credit:
        render_money_metric("Credit", view.balance.credit_cents)
    st.markdown("**Guardians**")
    for guardian in view.guardians:
        role = "primary" if guardian.is_primary else "secondary"
        contacts = ", ".join(guardian.emails + guardian.phones) or "no contact details"
        st.write(
            escape_markdown(
                f"{guardian.name} ({role}, {guardian.access.replace('_', ' ')}) · {contacts}"
            )
        )
    if view.unassigned:
        st.caption(escape_markdown("Not linked to a guardian: " + ", ".join(view.unassigned)))
    render_invite_primary(actor, view)
    render_desk_contacts(actor, view.family_id)
    render_guardian_edits(actor, view)
    st.markdown("**Students**")
    for student in view.students:
        medical = f" · ⚠ {student.medical_notes}" if student.medical_notes else ""
        status = "" if student.is_active else " · former student"
        st.write(escape_markdown(f"{student.full_name}, age {student.age}{status}{medical}"))
        render_student_resets(actor, student)
        if student.is_active:
            render_student_places(actor, student)
    render_student_edits(actor, view)
    with st.expander("Ledger"):
        _ledger(actor, view.family_id)
    with st.expander("Money: payments, charges, credits, voids, refunds"):
        render_desk_money(actor, view.family_id)
    _notes(actor, view)


def _ledger(actor: Actor, family_id: int) -> None:
    full = st.toggle("Full history", key=f"families.ledger_full.{family_id}")
    with session_scope() as db:
        ledger = staff_family_ledger(db, actor, family_id, full_history=full)
    period = ledger_meta(ledger).period
    if full:
        st.caption(f"Every entry up to {format_date(period.last)}.")
    else:
        st.caption(
            f"The last {RECENT_DAYS} days: {format_date(period.start)} to "
            f"{format_date(period.last)}."
        )
    render_ledger_table(ledger)


def _notes(actor: Actor, view: FamilyOverview) -> None:
    st.markdown("**Staff notes** (parents never see these)")
    for note in view.notes:
        st.caption(escape_markdown(f"{format_moment(note.at, view.timezone)} · {note.author}"))
        st.write(escape_markdown(note.body))
    with st.form(f"note.{view.family_id}", clear_on_submit=False):
        body = st.text_area("Add a note", max_chars=4000, key=f"note.body.{view.family_id}")
        if st.form_submit_button("Save note"):
            run_then_rerun(
                lambda db: add_staff_note(db, actor, view.family_id, body), "Note saved."
            )
