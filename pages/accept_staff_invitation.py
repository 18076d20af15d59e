"""Accept a staff invitation (signed out, from the e-mailed link): choose a password, then
sign in (and set up two-factor sign-in when the portal requires it)."""

import streamlit as st

from components.formatting import escape_markdown
from components.link_tokens import finish_link, pending_token, render_link_password_form
from components.staff_form import ROLE_CHOICES
from data.db import session_scope
from services.accounts.staff_invitations import (
    LINK_PARAMETER,
    STAFF_INVITATION_INVALID,
    accept_staff_invitation,
    staff_invitation_details,
)

token = pending_token(LINK_PARAMETER)
with session_scope() as db:
    details = staff_invitation_details(db, token)

st.title("Your invitation")
if details is None:
    st.error(STAFF_INVITATION_INVALID)
    st.button(
        "Go to sign in", type="primary", key="staff_invitation.to_sign_in", on_click=finish_link
    )
    st.stop()

email = escape_markdown(details.email)
st.header(escape_markdown(f"Join the staff as {details.display_name}"))
st.markdown(
    f"Role: **{ROLE_CHOICES.get(details.role, details.role)}**. You will sign in with **{email}**."
)
render_link_password_form(
    LINK_PARAMETER,
    "Set my password",
    lambda db, password, confirm: accept_staff_invitation(db, token, password, confirm),
    done=f"Your password is set. You can now sign in with {email}.",
)
st.button("Not now", key="staff_invitation.not_now", on_click=finish_link)
