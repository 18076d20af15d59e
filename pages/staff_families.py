"""Family look-up: find a family by name, e-mail, phone or student and open its account."""

import streamlit as st

from components.actions import render_flash, run_action
from components.auth import current_actor
from components.family_overview import render_family_overview
from components.formatting import escape_markdown
from services.desk.family_lookup import family_overview, search_families

OPEN_KEY = "families.open"

actor = current_actor()
st.title("Families")
render_flash()
query = st.text_input(
    "Search by family, guardian or student name, e-mail or phone",
    key="families.query",
    max_chars=100,
)
if query.strip():
    hits = run_action(lambda db: search_families(db, actor, query)) or []
    if not hits:
        st.info("No family matches.")
    for hit in hits:
        left, right = st.columns([4, 1])
        left.write(
            f"**{escape_markdown(hit.family_name)}** · "
            + escape_markdown(f"{hit.guardians} · {hit.students}")
        )
        if right.button("Open", key=f"families.open.{hit.family_id}"):
            st.session_state[OPEN_KEY] = hit.family_id
if (family_id := st.session_state.get(OPEN_KEY)) is not None:
    view = run_action(lambda db: family_overview(db, actor, family_id))
    if view is not None:
        st.divider()
        render_family_overview(actor, view)
