"""Portal settings (admin): what parents may do in the portal; every change is audited."""

import streamlit as st

from components.actions import render_flash, run_then_rerun
from components.auth import current_actor
from components.settings_form import render_settings_form
from data.db import session_scope
from services.kernel.settings import get_settings, update_settings

actor = current_actor()
st.title("Portal settings")
st.caption(
    "What parents see and may do in the portal. Each change is recorded with who made it and when."
)
render_flash()
with session_scope() as db:
    current = get_settings(db)
changes = render_settings_form(current)
if changes == {}:
    st.info("Nothing changed.")
elif changes:
    run_then_rerun(
        lambda db: update_settings(db, actor, changes),
        f"Saved {len(changes)} change{'s' if len(changes) != 1 else ''}.",
    )
