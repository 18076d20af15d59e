"""A family's contact details at the front desk: every guardian's mailing addresses, e-mail
addresses and phone numbers with the Account page's own lists and panels (edit, subscribe or
unsubscribe, delete, add), the values linked to no guardian, and "Make primary guardian"."""

from __future__ import annotations

import streamlit as st

from components.account.addresses import address_list
from components.account.emails import EMAILS
from components.account.guardian_card import guardian_heading
from components.account.panels import render_contact_list
from components.account.phones import PHONES
from components.account.unassigned import render_unassigned
from components.actions import close_panel, open_panel, panel, run_action, run_then_rerun
from components.formatting import escape_markdown
from services.backoffice.primary_guardian import make_primary_guardian
from services.families.contacts import GuardianContacts, desk_contacts
from services.kernel.access import Actor
from services.kernel.settings import get_settings

CONFIRM_PRIMARY = "desk.make_primary"  # the guardian a "Make primary" waits for a yes about


def render_desk_contacts(actor: Actor, family_id: int) -> None:
    with st.expander("Contact details and primary guardian"):
        st.caption(
            "Corrections are saved under your name in the family's history. A guardian who "
            "signs in keeps their sign-in address; add another address for them instead. "
            "Subscribe an address or number only when the parent said yes."
        )
        loaded = run_action(
            lambda db: (desk_contacts(db, actor, family_id), get_settings(db).default_phone_region)
        )
        if loaded is None:
            return
        contacts, country = loaded
        for guardian in contacts.guardians:
            with st.container(border=True):
                st.markdown(guardian_heading(actor, guardian))
                gid = guardian.guardian_id
                render_contact_list(
                    actor, address_list(country), guardian.addresses, guardian_id=gid
                )
                render_contact_list(actor, EMAILS, guardian.emails, guardian_id=gid)
                render_contact_list(actor, PHONES, guardian.phones, guardian_id=gid)
                if not guardian.is_primary:
                    _make_primary(actor, guardian)
        movers = {g.guardian_id: g.name for g in contacts.guardians}
        render_unassigned(actor, contacts.unassigned, movers, country=country)


def _make_primary(actor: Actor, guardian: GuardianContacts) -> None:
    gid = guardian.guardian_id
    if panel(CONFIRM_PRIMARY) != gid:
        st.button(
            "Make primary guardian",
            key=f"desk.primary.{gid}",
            on_click=open_panel,
            args=(CONFIRM_PRIMARY, gid),
        )
        return
    name = escape_markdown(guardian.name)
    st.warning(
        f"Make {name} the primary guardian? They will manage the family's account; the current "
        "primary guardian becomes a secondary guardian who may still pay with their own cards. "
        "Both are told by e-mail."
    )
    with st.container(horizontal=True, gap="small"):
        yes = st.button("Yes, make primary", type="primary", key=f"desk.primary_yes.{gid}")
        st.button(
            "Cancel", key=f"desk.primary_no.{gid}", on_click=close_panel, args=(CONFIRM_PRIMARY,)
        )
    if yes:
        close_panel(CONFIRM_PRIMARY)
        run_then_rerun(
            lambda db: make_primary_guardian(db, actor, gid), f"{name} is now the primary guardian."
        )
