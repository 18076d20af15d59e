"""What the primary guardian does for a secondary guardian: Send Invitation, Re-send
Invitation, Revoke and Reset Password as the guardian's access allows, and the permission
to make payments. Inviting and allowing payments may ask for the password again."""

from __future__ import annotations

import streamlit as st

from components.account.panels import CONFIRM, render_confirm
from components.account.reauth import (
    ask_for_password,
    forget_reauth,
    needs_password,
    render_reauth_box,
)
from components.actions import close_panel, flash, open_panel, panel, run_then_rerun
from components.formatting import escape_markdown
from data.config import public_base_url
from data.db import session_scope
from services.accounts.invitations import revoke_invitation, send_invitation
from services.accounts.password_reset import send_password_reset_for_guardian
from services.families.contacts import GuardianContacts
from services.families.guardians import set_payment_permission
from services.kernel.access import Actor
from services.kernel.errors import DomainError, ReauthenticationRequired

# Which buttons each access state offers (services.accounts.invitations has the state machine).
BUTTONS = {
    "no_login": ("send",),
    "invite_sent": ("resend", "revoke"),
    "can_log_in": ("reset", "revoke"),
    "invite_revoked": ("send",),
}
ERROR_KEY = "account.permission_error"


def render_guardian_access(actor: Actor, guardian: GuardianContacts) -> None:
    gid, name = guardian.guardian_id, escape_markdown(guardian.name)
    offered = BUTTONS.get(guardian.access, ())
    invite_place, revoke_target = f"invite.{gid}", f"revoke.{gid}"
    with st.container(horizontal=True, gap="small"):
        send = "send" in offered and st.button(
            "Send Invitation", key=f"account.invite.{gid}", icon=":material/send:"
        )
        resend = "resend" in offered and st.button(
            "Re-send Invitation", key=f"account.resend.{gid}", icon=":material/forward_to_inbox:"
        )
        reset = "reset" in offered and st.button(
            "Reset Password", key=f"account.reset.{gid}", icon=":material/lock_reset:"
        )
        if "revoke" in offered:
            st.button(
                "Revoke",
                key=f"account.revoke.{gid}",
                icon=":material/block:",
                on_click=open_panel,
                args=(CONFIRM, revoke_target),
            )
    if send or resend:
        run_then_rerun(
            needs_password(
                invite_place,
                lambda db: send_invitation(db, actor, gid, base_url=public_base_url()),
            ),
            f"Sent {name} {'a new' if resend else 'an'} invitation to sign in.",
        )
    if reset:
        run_then_rerun(
            lambda db: send_password_reset_for_guardian(db, actor, gid, base_url=public_base_url()),
            f"Sent {name} a link to choose a new password.",
        )
    render_reauth_box(actor, invite_place)
    if panel(CONFIRM) == revoke_target and "revoke" in offered:
        question = (
            f"Revoke {name}'s access? Their invitation link stops working, they are signed "
            "out everywhere at once and can no longer make payments."
        )
        if render_confirm(revoke_target, question, "Revoke access", "Keep access"):
            close_panel(CONFIRM)
            run_then_rerun(
                lambda db: revoke_invitation(db, actor, gid), f"{name} can no longer sign in."
            )
    _render_permission(actor, guardian)


def _render_permission(actor: Actor, guardian: GuardianContacts) -> None:
    gid = guardian.guardian_id
    key, place = f"account.may_pay.{gid}", f"may_pay.{gid}"
    st.session_state[key] = guardian.may_pay  # the database decides what the switch shows
    st.toggle(
        "May make payments",
        key=key,
        on_change=_set_permission,
        args=(actor, gid, escape_markdown(guardian.name), key, place),
        help="Lets this guardian pay the family's balance on the Billing page.",
    )
    if message := st.session_state.pop(f"{ERROR_KEY}.{gid}", None):
        st.error(message)
    render_reauth_box(actor, place)


def _set_permission(actor: Actor, gid: int, name: str, key: str, place: str) -> None:
    """The switch's callback: the change is saved at once, or refused and the switch goes
    back (it shows the database's value on the next run)."""
    allowed = bool(st.session_state.get(key))
    try:
        with session_scope() as db:
            set_payment_permission(db, actor, gid, allowed)
    except ReauthenticationRequired:
        ask_for_password(place)
        return
    except DomainError as refused:
        st.session_state[f"{ERROR_KEY}.{gid}"] = refused.message
        return
    forget_reauth()
    flash(f"{name} may now make payments." if allowed else f"{name} can no longer make payments.")
