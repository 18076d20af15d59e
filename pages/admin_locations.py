"""Locations (admin): add, edit, archive and restore the business's locations."""

import streamlit as st

from components.actions import render_flash, run_then_rerun
from components.auth import current_actor
from components.catalog_widgets import render_archive_button, render_list, state_word
from components.formatting import escape_markdown
from services.backoffice.locations import (
    LocationInput,
    LocationRow,
    create_location,
    list_locations,
    set_location_archived,
    time_zones,
    update_location,
)

actor = current_actor()
st.title("Locations")
st.caption(
    "Where classes meet. An archived location leaves parents' choices (the location picker, "
    "transfers and makeups) but stays in their history. Every change is recorded."
)
render_flash()


def location_form(key: str, current: LocationInput, submit: str) -> LocationInput | None:
    """The location's fields; what was typed when submitted (the service checks it all)."""
    zones = list(time_zones())
    with st.form(key):
        name = st.text_input("Name", value=current.name, max_chars=120, key=f"{key}.name")
        timezone = st.selectbox(
            "Time zone",
            zones,
            index=zones.index(current.timezone) if current.timezone in zones else None,
            key=f"{key}.timezone",
            placeholder="Choose the location's time zone",
        )
        line1 = st.text_input("Street address", value=current.address_line1, key=f"{key}.line1")
        city, region = st.columns(2)
        city_value = city.text_input("City", value=current.city, key=f"{key}.city")
        region_value = region.text_input(
            "State or region", value=current.region, key=f"{key}.region"
        )
        postal, country = st.columns(2)
        postal_value = postal.text_input(
            "Postal code", value=current.postal_code, key=f"{key}.postal"
        )
        country_value = country.text_input(
            "Country (two letters)", value=current.country, key=f"{key}.country"
        )
        phone = st.text_input("Phone", value=current.phone, key=f"{key}.phone")
        if not st.form_submit_button(submit):
            return None
    return LocationInput(
        name, timezone or "", line1, city_value, region_value, postal_value, country_value, phone
    )


with st.expander("Add a location"):
    new = location_form("locations.add", LocationInput("", "", country="US"), "Add location")
    if new is not None:
        run_then_rerun(lambda db: create_location(db, actor, new), f"Added {new.name.strip()}.")

opened: LocationRow | None = render_list(
    "locations",
    "locations",
    lambda db, search, page: list_locations(db, actor, search=search, page=page),
    {
        "Name": lambda r: r.name,
        "City": lambda r: r.city,
        "Phone": lambda r: r.phone,
        "Time zone": lambda r: r.timezone,
        "State": state_word,
    },
)
if opened is not None:
    st.header(escape_markdown(opened.name))
    changed = location_form(f"locations.edit.{opened.id}", opened.as_input(), "Save changes")
    if changed is not None:
        run_then_rerun(lambda db: update_location(db, actor, opened.id, changed), "Location saved.")
    archive = render_archive_button(f"locations.archive.{opened.id}", opened, "location")
    if archive is not None:
        run_then_rerun(
            lambda db: set_location_archived(db, actor, opened.id, archive),
            "Location archived." if archive else "Location restored.",
        )
