"""The page router: who is signed in decides which pages exist (st.navigation by role)."""

from __future__ import annotations

import streamlit as st

from components.auth import render_cookie_bridge, resolve_actor, sign_out
from components.database_trouble import database_trouble_shown
from components.link_tokens import capture_link_tokens, render_signed_in_notice
from components.location_picker import location_options, render_location_picker
from components.page_list import pages_for, signed_out_pages
from components.page_style import render_page_style
from components.run_memo import start_run
from components.two_factor import render_recovery_codes_once
from data.config import load_secrets_file
from data.db import session_scope
from data.schema_version import SchemaStatus, schema_status

UPGRADING = "Cartwheel is being upgraded. Please try again in a few minutes."
UNAVAILABLE = "Cartwheel cannot reach its database right now. Please try again in a few minutes."


def database_ready() -> bool:
    """False (with a short notice instead of error screens) while the database is not at
    this code's schema, e.g. after an upgrade before `python -m data.migrate` ran."""
    status = schema_status()
    if status is SchemaStatus.CURRENT:
        return True
    st.set_page_config(page_title="Cartwheel", page_icon=":material/sports_gymnastics:")
    st.info(
        UPGRADING if status is SchemaStatus.NOT_CURRENT else UNAVAILABLE, icon=":material/build:"
    )
    return False


def run_portal() -> None:
    start_run()
    capture_link_tokens()  # before the sign-in check: the token leaves the address bar at once
    if not database_ready():
        return
    with session_scope() as db:  # one transaction for who is signed in and where they may look
        actor = resolve_actor(db)
        if actor is not None and not actor.is_instructor:
            options = location_options(actor, db)
    if actor is None:
        st.set_page_config(
            page_title="Cartwheel · Sign in",
            page_icon=":material/sports_gymnastics:",
            layout="centered",
        )
        render_page_style()
        navigation = st.navigation(signed_out_pages(), position="hidden")
        render_cookie_bridge()
        navigation.run()
        return
    st.set_page_config(
        page_title="Cartwheel",
        page_icon=":material/sports_gymnastics:",
        layout="centered" if actor.is_guardian else "wide",
    )
    render_page_style()
    # In the header on screens 768 px and wider (it never covers the page); below that
    # Streamlit shows it in the sidebar menu, which closes after a choice on phones. Expanded:
    # an owner's back office pages must not hide behind "View more" (docs/decisions-18-a11y.md).
    navigation = st.navigation(pages_for(actor), position="top", expanded=True)
    if not actor.is_instructor:  # an instructor's page lists their own classes instead
        # On the page itself, above its content: reachable without opening a menu.
        render_location_picker(options, allow_all=actor.is_staff and len(options) > 1)
    with st.sidebar:
        st.caption(f"Signed in as {actor.display_name}")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:", key="sign_out")
        render_cookie_bridge()
    render_signed_in_notice()
    render_recovery_codes_once()
    navigation.run()


if __name__ == "__main__":  # the script st.App runs for every browser session (see app.py)
    load_secrets_file()
    with database_trouble_shown():
        run_portal()
