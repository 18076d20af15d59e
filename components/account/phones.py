"""A guardian's phone numbers in national format, opted-out ones "Unsubscribed"; edit,
delete, allow or stop text and voice messages, Add Phone."""

from __future__ import annotations

import streamlit as st

from components.account.panels import (
    PANEL,
    UNSUBSCRIBED,
    ContactList,
    PanelActions,
    render_panel_actions,
)
from components.actions import run_then_rerun
from components.formatting import escape_markdown
from services.families.contact_changes import PHONE_LABELS, add_phone, delete_phone, update_phone
from services.families.contact_consent import set_phone_opt_in
from services.families.contacts import PhoneView
from services.kernel.access import Actor


def phone_line(phone: PhoneView) -> str:
    parts = [escape_markdown(phone.national), f":gray[{escape_markdown(phone.label)}]"]
    if phone.opted_out:
        parts.append(UNSUBSCRIBED)
    return " ".join(parts)


def _form(target: str, number: str, label: str, button: str) -> tuple[str, str, bool]:
    with st.form(f"account.form.{target}", border=False):
        typed = st.text_input(
            "Phone number",
            value=number,
            key=f"account.{target}.number",
            type="phone",
            max_chars=40,
            autocomplete="tel",
            help="Numbers in another country start with + and the country code.",
        )
        kind = st.selectbox(
            "Kind",
            PHONE_LABELS,
            index=PHONE_LABELS.index(label) if label in PHONE_LABELS else 0,
            format_func=str.capitalize,
            key=f"account.{target}.label",
        )
        submitted = st.form_submit_button(button, type="primary", key=f"account.save.{target}")
    return typed or "", kind or PHONE_LABELS[0], submitted


def _add(actor: Actor, guardian_id: int, target: str) -> None:
    number, label, submitted = _form(target, "", "mobile", "Add Phone")
    if submitted:
        run_then_rerun(
            lambda db: add_phone(db, actor, guardian_id, number, label),
            "Phone number added.",
            close=PANEL,
        )


def _edit(actor: Actor, phone: PhoneView, target: str) -> None:
    number, label, submitted = _form(target, phone.national, phone.label, "Save")
    if submitted:
        run_then_rerun(
            lambda db: update_phone(db, actor, phone.id, number, label),
            "Phone number saved.",
            close=PANEL,
        )
    allow = phone.opted_out
    render_panel_actions(
        target,
        PanelActions(
            consent_label="Allow text messages" if allow else "Stop text messages",
            consent=lambda db: set_phone_opt_in(db, actor, phone.id, allow),
            consent_done="Text and voice messages allowed." if allow else "Text messages stopped.",
            delete_question=f"Delete {escape_markdown(phone.national)}?",
            delete=lambda db: delete_phone(db, actor, phone.id),
            delete_done="Phone number deleted.",
        ),
    )


PHONES = ContactList(
    "phone",
    "Phone numbers",
    "No phone numbers.",
    "Add Phone",
    line=phone_line,
    edit=_edit,
    add=_add,
)
