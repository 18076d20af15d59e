"""Locations (front desk, read-only): the desk's own locations with their address, phone and
time zone. Administrators change them on Back office → Locations."""

import streamlit as st

from components.auth import current_actor
from components.catalog_widgets import render_archived_toggle, render_list, state_word
from components.formatting import escape_markdown
from services.backoffice.locations import LocationRow, list_locations

actor = current_actor()
st.title("Locations")
st.caption("The locations you work at, read-only. An administrator changes them.")
archived = render_archived_toggle("gym_locations", "locations")
opened: LocationRow | None = render_list(
    "gym_locations",
    "locations",
    lambda db, search, page: list_locations(
        db, actor, search=search, page=page, include_archived=archived
    ),
    {"Name": lambda r: r.name, "City": lambda r: r.city, "State": state_word},
)
if opened is not None:
    st.header(escape_markdown(opened.name))
    place = ", ".join(
        part
        for part in (opened.address_line1, opened.city, opened.region, opened.postal_code)
        if part
    )
    st.markdown(
        f"**Address:** {escape_markdown(place or 'not given')} ({opened.country})  \n"
        f"**Phone:** {escape_markdown(opened.phone or 'not given')}  \n"
        f"**Time zone:** {opened.timezone}"
    )
