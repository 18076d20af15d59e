"""The desk's "New family" form: the primary guardian (with address and consent), an optional
second guardian and up to three students. A possible duplicate is shown with the families it
matches and registered only when the desk confirms "Create anyway"."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.actions import flash
from components.consent_boxes import render_consent_boxes
from components.formatting import escape_markdown
from data.db import session_scope
from services.backoffice.family_input import FamilySetup, GuardianSetup
from services.backoffice.family_setup import PossibleDuplicate, create_family
from services.families.contact_validation import AddressInput
from services.families.students import StudentInput
from services.kernel.access import Actor
from services.kernel.errors import DomainError

FORM = "new_family"
PENDING = "new_family.pending"  # the setup a duplicate warning is about
CREATED = "new_family.created"  # the family registered last, shown below the form
STUDENT_SLOTS = 3
OLDEST = date(1920, 1, 1)


def render_new_family_form(actor: Actor, location_id: int) -> None:
    with st.form(FORM, clear_on_submit=False):
        name = st.text_input("Family name (blank: the primary guardian's last name)",
                             key="nf.family", max_chars=120)  # fmt: skip
        st.markdown("**Primary guardian**")
        primary = _guardian_fields("nf.g1", primary=True)
        st.markdown("**Second guardian** (optional)")
        second = _guardian_fields("nf.g2", primary=False)
        students = []
        for slot in range(1, STUDENT_SLOTS + 1):
            st.markdown(f"**Student {slot}**" + (" (optional)" if slot > 1 else ""))
            students.append(_student_fields(f"nf.s{slot}"))
        submitted = st.form_submit_button("Create family", type="primary")
    if submitted:
        guardians = tuple(g for g in (primary, second) if g is not None)
        setup = FamilySetup(name or "", guardians, tuple(s for s in students if s is not None))
        _create(actor, setup, location_id, create_anyway=False)
    pending = st.session_state.get(PENDING)
    if pending is not None:
        setup, matches = pending
        listed = "\n".join(
            f"- {escape_markdown(m.family_name)} ({escape_markdown(m.reason)})" for m in matches
        )
        st.warning(
            f"This family may already be on file:\n\n{listed}\n\n"
            "Search for it on the Families page, or create a new family anyway."
        )
        if st.button("Create anyway", key="nf.create_anyway"):
            _create(actor, setup, location_id, create_anyway=True)


def _create(actor: Actor, setup: FamilySetup, location_id: int, *, create_anyway: bool) -> None:
    try:
        with session_scope() as db:
            family_id = create_family(
                db, actor, setup, location_id=location_id, create_anyway=create_anyway
            )
    except PossibleDuplicate as warning:
        st.session_state[PENDING] = (setup, warning.matches)
        return
    except DomainError as refused:
        st.session_state.pop(PENDING, None)
        st.error(refused.message)
        return
    st.session_state.pop(PENDING, None)
    st.session_state[CREATED] = family_id
    for key in [k for k in st.session_state if str(k).startswith("nf.")]:
        del st.session_state[key]
    flash("Family created. Invite the primary guardian to the portal below.")
    st.rerun()


def _guardian_fields(key: str, *, primary: bool) -> GuardianSetup | None:
    first, last = st.columns(2)
    first_name = first.text_input("First name", key=f"{key}.first", max_chars=60)
    last_name = last.text_input("Last name", key=f"{key}.last", max_chars=60)
    email_col, phone_col = st.columns(2)
    email = email_col.text_input("E-mail address", key=f"{key}.email", max_chars=254)
    phone = phone_col.text_input("Phone number", key=f"{key}.phone", max_chars=40)
    address = None
    if primary:
        line1 = st.text_input("Street address", key=f"{key}.line1", max_chars=200)
        line2 = st.text_input("Address line 2", key=f"{key}.line2", max_chars=200)
        city_col, region_col, postal_col, country_col = st.columns(4)
        city = city_col.text_input("City", key=f"{key}.city", max_chars=120)
        region = region_col.text_input("State", key=f"{key}.region", max_chars=120)
        postal = postal_col.text_input("Postal code", key=f"{key}.postal", max_chars=20)
        country = country_col.text_input("Country", value="US", key=f"{key}.country", max_chars=2)
        if any(v.strip() for v in (line1, line2, city, postal)):
            address = AddressInput(line1, line2, city, region, postal, country)
    email_ok, sms_ok = render_consent_boxes(key, *st.columns(2))
    if not primary and not any(v.strip() for v in (first_name, last_name, email, phone)):
        return None
    return GuardianSetup(
        first_name, last_name, (email,), (phone,), address, email_ok, sms_ok, is_primary=primary
    )


def _student_fields(key: str) -> StudentInput | None:
    first, last, born = st.columns(3)
    first_name = first.text_input("First name", key=f"{key}.first", max_chars=60)
    last_name = last.text_input("Last name", key=f"{key}.last", max_chars=60)
    birth = born.date_input("Birth date", value=None, min_value=OLDEST, key=f"{key}.birth")
    gender_col, notes_col = st.columns([1, 3])
    gender = gender_col.text_input("Gender (optional)", key=f"{key}.gender", max_chars=40)
    notes = notes_col.text_input("Medical notes", key=f"{key}.notes", max_chars=1000)
    if not any((first_name.strip(), last_name.strip(), birth, gender.strip(), notes.strip())):
        return None
    return StudentInput(first_name, last_name, birth, gender, notes)  # type: ignore[arg-type]
