"""The location picker at the top of every signed-in page (not in the sidebar: a phone hides
the sidebar). Its choice is kept in session state across reruns and pages."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.run_memo import once_per_run
from data.db import session_scope
from services.families.home import LocationOption, family_locations
from services.kernel.access import Actor

LOCATION_KEY = "location_id"
ALL_LOCATIONS = 0  # the "All locations" choice for staff with several locations


def location_options(actor: Actor, db: Any = None) -> list[LocationOption]:
    """The locations `actor` may pick from, read once per script run (the router reads them
    in its own transaction, `db`, and draws the picker; a page that names the locations
    asks here again for free)."""

    def read() -> list[LocationOption]:
        if db is not None:
            return family_locations(db, actor)
        with session_scope() as own:
            return family_locations(own, actor)

    return once_per_run("location_options", read)


def render_location_picker(options: list[LocationOption], *, allow_all: bool) -> int | None:
    """Draw the picker; returns the chosen location id, or None for all / none available."""
    if not options:
        st.caption("No locations yet.")
        st.session_state.pop(LOCATION_KEY, None)
        return None
    names = {option.id: option.name for option in options}
    choices = ([ALL_LOCATIONS] if allow_all else []) + list(names)
    if st.session_state.get(LOCATION_KEY) not in choices:
        st.session_state[LOCATION_KEY] = choices[0]
    if len(choices) == 1:  # nothing to choose: no box taking a phone's first screen
        return selected_location_id()
    st.selectbox(
        "Location",
        choices,
        key=LOCATION_KEY,
        format_func=lambda option: names.get(option, "All locations"),
    )
    return selected_location_id()


def selected_location_id() -> int | None:
    """The chosen location for this run; None means all locations (or none to choose)."""
    value = st.session_state.get(LOCATION_KEY)
    return None if value in (None, ALL_LOCATIONS) else int(value)
