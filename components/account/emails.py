"""A guardian's e-mail addresses: the sign-in address marked, opted-out ones "Unsubscribed";
edit, delete, subscribe or unsubscribe from e-mail news, Add Email."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.account.panels import (
    PANEL,
    UNSUBSCRIBED,
    ContactList,
    PanelActions,
    render_panel_actions,
)
from components.account.reauth import needs_password, render_reauth_box
from components.actions import run_then_rerun
from components.formatting import escape_markdown
from services.families.contact_changes import add_email, delete_email, update_email
from services.families.contact_consent import set_email_opt_in
from services.families.contacts import EmailView
from services.kernel.access import Actor

SIGN_IN_MARK = ":blue-badge[Sign-in e-mail]"
SIGN_IN_NOTE = (
    "This is the address you sign in with. Changing it asks for your password, "
    "and we tell the old address. It cannot be deleted."
)
DESK_SIGN_IN_NOTE = (
    "The guardian signs in with this address. The desk can correct it only until they first "
    "sign in (a link already sent stops working: send a new invitation). It cannot be deleted."
)


def email_line(email: EmailView) -> str:
    marks = [SIGN_IN_MARK] if email.is_login else []
    if email.opted_out:
        marks.append(UNSUBSCRIBED)
    return " ".join([escape_markdown(email.email), *marks])


def _form(target: str, value: str, button: str) -> tuple[str, bool]:
    with st.form(f"account.form.{target}", border=False):
        typed = st.text_input(
            "E-mail address",
            value=value,
            key=f"account.{target}.email",
            type="email",
            max_chars=254,
            autocomplete="email",
        )
        submitted = st.form_submit_button(button, type="primary", key=f"account.save.{target}")
    return typed or "", submitted


def _add(actor: Actor, guardian_id: int, target: str) -> None:
    value, submitted = _form(target, "", "Add Email")
    if submitted:
        run_then_rerun(
            lambda db: add_email(db, actor, guardian_id, value),
            "E-mail address added.",
            close=PANEL,
        )


def _edit(actor: Actor, email: EmailView, target: str) -> None:
    if email.is_login:
        st.caption(DESK_SIGN_IN_NOTE if actor.is_staff else SIGN_IN_NOTE)
    value, submitted = _form(target, email.email, "Save")
    if submitted:

        def save(db: Any) -> None:
            update_email(db, actor, email.id, value)

        run_then_rerun(
            needs_password(target, save) if email.is_login else save,
            "E-mail address saved.",
            close=PANEL,
        )
    render_reauth_box(actor, target)
    subscribe = email.opted_out
    render_panel_actions(
        target,
        PanelActions(
            consent_label="Subscribe to e-mail news" if subscribe else "Unsubscribe",
            consent=lambda db: set_email_opt_in(db, actor, email.id, subscribe),
            consent_done="Subscribed to e-mail news." if subscribe else "Unsubscribed.",
            delete_question=(
                f"Delete {escape_markdown(email.email)}? It will no longer get e-mails from us."
            ),
            delete=None if email.is_login else lambda db: delete_email(db, actor, email.id),
            delete_done="E-mail address deleted.",
        ),
    )


EMAILS = ContactList(
    "email",
    "E-mail addresses",
    "No e-mail addresses.",
    "Add Email",
    line=email_line,
    edit=_edit,
    add=_add,
)
