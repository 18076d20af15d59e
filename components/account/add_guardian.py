"""Add Guardian (primary guardian): name, e-mail, phone, and whether to invite them to log in
at once (inviting may ask for the password again)."""

from __future__ import annotations

import streamlit as st

from components.account.panels import PANEL, close_all, render_add_button
from components.account.reauth import needs_password, render_reauth_box
from components.actions import run_then_rerun
from components.formatting import escape_markdown
from data.config import public_base_url
from services.families.guardians import GuardianView, add_guardian
from services.kernel.access import Actor

TARGET = "add_guardian"


def render_add_guardian(actor: Actor) -> None:
    if not render_add_button("Add Guardian", TARGET):
        return
    with st.container(border=True):
        st.markdown("**Add a guardian**")
        with st.form(f"account.form.{TARGET}", border=False):
            first = st.text_input("First name", key="account.new_guardian.first", max_chars=60)
            last = st.text_input("Last name", key="account.new_guardian.last", max_chars=60)
            email = st.text_input(
                "E-mail address", key="account.new_guardian.email", type="email", max_chars=254
            )
            phone = st.text_input(
                "Phone number (optional)",
                key="account.new_guardian.phone",
                type="phone",
                max_chars=40,
            )
            invite = st.checkbox(
                "Invite to log in",
                value=True,
                key="account.new_guardian.invite",
                help="We e-mail them a link to choose a password; it works once, for 72 hours.",
            )
            submitted = st.form_submit_button(
                "Add Guardian", type="primary", key=f"account.save.{TARGET}"
            )
        if submitted:
            run_then_rerun(
                needs_password(
                    TARGET,
                    lambda db: add_guardian(
                        db,
                        actor,
                        first_name=first or "",
                        last_name=last or "",
                        email=email or "",
                        phone=phone or "",
                        invite=bool(invite),
                        base_url=public_base_url(),
                    ),
                ),
                lambda added: _added(added, bool(invite)),
                close=PANEL,
            )
        render_reauth_box(actor, TARGET)
        st.button("Cancel", key=f"account.close.{TARGET}", on_click=close_all)


def _added(guardian: GuardianView, invited: bool) -> str:
    name = escape_markdown(guardian.name)
    if invited:
        return f"Added {name} and e-mailed an invitation to {escape_markdown(guardian.email)}."
    return f"Added {name}."
