"""A guardian's e-mail addresses: the sign-in address marked, opted-out ones "Unsubscribed";
edit, delete, subscribe or unsubscribe from e-mail news, Add Email."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from components.account.panels import (
    PANEL,
    UNSUBSCRIBED,
    PanelActions,
    close_all,
    render_add_button,
    render_line,
    render_move,
    render_panel_actions,
)
from components.account.reauth import needs_password, render_reauth_box
from components.actions import run_then_rerun
from components.formatting import escape_markdown
from services.access import Actor
from services.contact_changes import add_email, delete_email, set_email_opt_in, update_email
from services.contacts import EmailView

SIGN_IN_MARK = ":blue-badge[Sign-in e-mail]"


def email_line(email: EmailView) -> str:
    marks = [SIGN_IN_MARK] if email.is_login else []
    if email.opted_out:
        marks.append(UNSUBSCRIBED)
    return " ".join([escape_markdown(email.email), *marks])


def render_emails(
    actor: Actor,
    guardian_id: int | None,
    emails: list[EmailView],
    *,
    movers: dict[int, str] | None = None,
) -> None:
    """The list; `guardian_id` None is the unassigned list (no Add, a Move control)."""
    st.markdown("**E-mail addresses**")
    if not emails:
        st.caption("No e-mail addresses.")
    for email in emails:
        target = f"email.{email.id}"
        if render_line(email_line(email), target, "e-mail address"):
            _edit(actor, email, target)
        if movers is not None:
            render_move(actor, "email", email.id, movers)
    if guardian_id is not None:
        target = f"add_email.{guardian_id}"
        if render_add_button("Add Email", target):
            _add(actor, guardian_id, target)


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
    with st.container(border=True):
        value, submitted = _form(target, "", "Add Email")
        if submitted:
            run_then_rerun(
                lambda db: add_email(db, actor, guardian_id, value),
                "E-mail address added.",
                close=PANEL,
            )
        st.button("Cancel", key=f"account.close.{target}", on_click=close_all)


def _edit(actor: Actor, email: EmailView, target: str) -> None:
    with st.container(border=True):
        if email.is_login:
            st.caption(
                "This is the address you sign in with. Changing it asks for your password, "
                "and we tell the old address. It cannot be deleted."
            )
        value, submitted = _form(target, email.email, "Save")
        if submitted:

            def save(db: Session) -> None:
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
