"""One guardian on the Account page: name and access, the contact details the viewer may
change, and for the primary guardian the secondary guardian's sign-in and payment controls."""

from __future__ import annotations

import streamlit as st

from components.account.addresses import address_list
from components.account.emails import EMAILS
from components.account.guardian_access import render_guardian_access
from components.account.panels import render_contact_list
from components.account.phones import PHONES
from components.formatting import escape_markdown
from services.families.contacts import GuardianContacts
from services.kernel.access import Actor

ACCESS_COLOURS = {
    "can_log_in": "green",
    "invite_sent": "orange",
    "invite_revoked": "red",
    "no_login": "gray",
}


def guardian_heading(actor: Actor, guardian: GuardianContacts) -> str:
    marks = []
    if guardian.is_primary:
        marks.append(":blue-badge[Primary]")
    if guardian.is_self:
        marks.append(":violet-badge[You]")
    if not guardian.is_primary:
        colour = ACCESS_COLOURS.get(guardian.access, "gray")
        marks.append(f":{colour}-badge[{guardian.access_label}]")
        if guardian.may_pay and not actor.is_primary:
            marks.append(":green-badge[May make payments]")
    return " ".join([f"**{escape_markdown(guardian.name)}**", *marks])


def render_guardian(actor: Actor, guardian: GuardianContacts, *, country: str) -> None:
    with st.container(border=True):
        st.markdown(guardian_heading(actor, guardian))
        if guardian.editable:
            # Collapsed for the other guardians: their three lists and Add buttons made the
            # page 2,450 px tall on a phone; your own stay open.
            with st.expander("Contact details", expanded=guardian.is_self):
                gid = guardian.guardian_id
                render_contact_list(
                    actor, address_list(country), guardian.addresses, guardian_id=gid
                )
                render_contact_list(actor, EMAILS, guardian.emails, guardian_id=gid)
                render_contact_list(actor, PHONES, guardian.phones, guardian_id=gid)
        elif actor.is_primary:
            st.caption(
                f"{escape_markdown(guardian.name)} signs in and keeps their own contact details."
            )
        if actor.is_primary and not guardian.is_primary:
            render_guardian_access(actor, guardian)
