"""Contact values linked to no guardian (the primary guardian's to sort out): each can be
edited, deleted or moved to a guardian."""

from __future__ import annotations

import streamlit as st

from components.account.addresses import address_list
from components.account.emails import EMAILS
from components.account.panels import render_contact_list
from components.account.phones import PHONES
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
        lists = (
            (address_list(country), unassigned.addresses),
            (EMAILS, unassigned.emails),
            (PHONES, unassigned.phones),
        )
        for spec, items in lists:
            if items:
                render_contact_list(actor, spec, items, guardian_id=None, movers=movers)
