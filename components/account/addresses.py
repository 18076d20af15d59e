"""A guardian's mailing addresses: edit, delete, Add Mailing Address. Required fields and
the postal code are checked per country by services.families.contact_validation."""

from __future__ import annotations

import streamlit as st

from components.account.panels import (
    PANEL,
    ContactList,
    PanelActions,
    render_panel_actions,
)
from components.actions import run_then_rerun
from components.formatting import escape_markdown
from services.families.contact_changes import add_address, delete_address, update_address
from services.families.contact_validation import AddressInput
from services.families.contacts import AddressView
from services.kernel.access import Actor


def address_list(country: str) -> ContactList[AddressView]:
    """`country` is the new address form's starting country (the portal's phone region)."""
    return ContactList(
        "address",
        "Mailing addresses",
        "No mailing addresses.",
        "Add Mailing Address",
        line=lambda address: escape_markdown(address.one_line),
        edit=_edit,
        add=lambda actor, guardian_id, target: _add(actor, guardian_id, target, country),
    )


def _form(target: str, start: AddressInput, button: str) -> tuple[AddressInput, bool]:
    def field(label: str, name: str, limit: int, autocomplete: str) -> str:
        return (
            st.text_input(
                label,
                value=getattr(start, name),
                key=f"account.{target}.{name}",
                max_chars=limit,
                autocomplete=autocomplete,
            )
            or ""
        )

    with st.form(f"account.form.{target}", border=False):
        line1 = field("Street address", "line1", 200, "address-line1")
        line2 = field("Apartment, suite, etc. (optional)", "line2", 200, "address-line2")
        city = field("City", "city", 120, "address-level2")
        region = field("State, province or county", "region", 120, "address-level1")
        postal_code = field("ZIP or postal code", "postal_code", 20, "postal-code")
        country = field("Country (two-letter code, such as US)", "country", 60, "country")
        submitted = st.form_submit_button(button, type="primary", key=f"account.save.{target}")
    return AddressInput(line1, line2, city, region, postal_code, country), submitted


def _add(actor: Actor, guardian_id: int, target: str, country: str) -> None:
    address, submitted = _form(target, AddressInput("", country=country), "Add Mailing Address")
    if submitted:
        run_then_rerun(
            lambda db: add_address(db, actor, guardian_id, address),
            "Mailing address added.",
            close=PANEL,
        )


def _edit(actor: Actor, view: AddressView, target: str) -> None:
    start = AddressInput(
        view.line1, view.line2, view.city, view.region, view.postal_code, view.country
    )
    address, submitted = _form(target, start, "Save")
    if submitted:
        run_then_rerun(
            lambda db: update_address(db, actor, view.id, address),
            "Mailing address saved.",
            close=PANEL,
        )
    render_panel_actions(
        target,
        PanelActions(
            delete_question=f"Delete {escape_markdown(view.one_line)}?",
            delete=lambda db: delete_address(db, actor, view.id),
            delete_done="Mailing address deleted.",
        ),
    )
