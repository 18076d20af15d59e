"""Contact values linked to no guardian (the primary guardian's to sort out): each can be
edited, deleted or moved to a guardian."""

from __future__ import annotations

import streamlit as st

from components.account.addresses import render_addresses
from components.account.emails import render_emails
from components.account.phones import render_phones
from services.families.contacts import UnassignedContacts
from services.kernel.access import Actor


def render_unassigned(
    actor: Actor, unassigned: UnassignedContacts, movers: dict[int, str], *, country: str
) -> None:
    """`movers`: the guardians a value may move to (those whose details the primary keeps)."""
    if not (unassigned.addresses or unassigned.emails or unassigned.phones):
        return
    with st.container(border=True):
        st.markdown("**Unassigned**")
        st.caption(
            "Contact details not linked to a guardian. Move each to the guardian it belongs to."
        )
        if unassigned.addresses:
            render_addresses(actor, None, unassigned.addresses, country=country, movers=movers)
        if unassigned.emails:
            render_emails(actor, None, unassigned.emails, movers=movers)
        if unassigned.phones:
            render_phones(actor, None, unassigned.phones, movers=movers)
