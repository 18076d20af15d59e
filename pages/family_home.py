"""The family home: students with their current classes and check-in codes, balance and
credit."""

import streamlit as st

from components.auth import current_actor
from components.billing.primary_note import render_primary_method_note
from components.formatting import escape_markdown
from components.location_picker import selected_location_id
from components.money import render_money_metric
from components.student_card import render_student_card
from data.db import session_scope
from services.billing.payment_methods import primary_method_state
from services.families.home import family_home
from services.kernel.settings import get_settings

actor = current_actor()
with session_scope() as db:
    home = family_home(db, actor, location_id=selected_location_id())
    primary_method = primary_method_state(db, actor)
    qr_codes = get_settings(db).qr_codes_enabled

st.title(f"Hello, {escape_markdown(actor.display_name.split()[0])}")
location = home.location.name if home.location else "no location yet"
st.caption(escape_markdown(f"{home.family_name} · Location: {location}"))

outstanding, credit = st.columns(2)
with outstanding:
    render_money_metric("Outstanding balance", home.balance.outstanding_cents)
with credit:
    render_money_metric("Credit", home.balance.credit_cents)
render_primary_method_note(primary_method)

st.header("Your students")
if not home.students:
    st.info("No students are on this account yet. The front desk can add them.")
for student in home.students:
    render_student_card(student, check_in_code=qr_codes)
