"""Terms (front desk, read-only): the named date ranges classes run in. Administrators
change them on Back office → Terms."""

import streamlit as st

from components.auth import current_actor
from components.catalog_widgets import TERM_COLUMNS, render_archived_toggle, render_list
from services.backoffice.terms import TermRow, search_terms

actor = current_actor()
st.title("Terms")
st.caption("The date ranges classes run in, read-only. An administrator changes them.")
archived = render_archived_toggle("gym_terms", "terms")
opened: TermRow | None = render_list(
    "gym_terms",
    "terms",
    lambda db, search, page: search_terms(
        db, actor, search=search, page=page, include_archived=archived
    ),
    TERM_COLUMNS,
)
if opened is not None:
    weeks = round(((opened.end_date - opened.start_date).days + 1) / 7)
    st.caption(f"{opened.label} · about {weeks} weeks")
