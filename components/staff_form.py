"""The staff member form (invite or edit): name, e-mail (invite only), role and locations.
Returns the values typed; the service validates them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from services.families.home import LocationOption

ROLE_CHOICES = {"staff": "Front desk", "instructor": "Instructor", "admin": "Admin"}


@dataclass(frozen=True)
class StaffFormValues:
    email: str
    display_name: str
    role: str
    location_ids: list[int]


def render_staff_form(
    key: str,
    locations: list[LocationOption],
    *,
    button: str,
    name: str = "",
    role: str = "staff",
    location_ids: tuple[int, ...] = (),
    with_email: bool = True,
) -> StaffFormValues | None:
    """The form; the values when submitted, else None."""
    names = {option.id: option.name for option in locations}
    with st.form(key):
        email = st.text_input("E-mail", max_chars=254, key=f"{key}.email") if with_email else ""
        display_name = st.text_input("Name", value=name, max_chars=120, key=f"{key}.name")
        chosen_role = st.selectbox(
            "Role",
            list(ROLE_CHOICES),
            index=list(ROLE_CHOICES).index(role) if role in ROLE_CHOICES else 0,
            format_func=ROLE_CHOICES.__getitem__,
            key=f"{key}.role",
        )
        chosen = st.multiselect(
            "Locations (admins see every location)",
            list(names),
            default=[i for i in location_ids if i in names],
            format_func=lambda option: names.get(option, "?"),
            key=f"{key}.locations",
        )
        submitted = st.form_submit_button(button, type="primary")
    if not submitted:
        return None
    return StaffFormValues(email, display_name, chosen_role, list(chosen))
