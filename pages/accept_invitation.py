"""Accept an invitation (signed out, from the e-mailed link): the invited guardian chooses a
password, then signs in."""

import streamlit as st

from components.formatting import escape_markdown
from components.link_tokens import finish_link, pending_token, render_link_password_form
from data.db import session_scope
from services.accounts.invitations import (
    INVITATION_INVALID,
    LINK_PARAMETER,
    accept_invitation,
    invitation_details,
)

token = pending_token(LINK_PARAMETER)
with session_scope() as db:
    details = invitation_details(db, token)

st.title("Your invitation")
if details is None:
    st.error(INVITATION_INVALID)
    st.button("Go to sign in", type="primary", key="invitation.to_sign_in", on_click=finish_link)
    st.stop()

email = escape_markdown(details.email)
st.header(escape_markdown(f"Join the {details.family_name} account as {details.guardian_name}"))
st.markdown(f"You will sign in with **{email}**.")
render_link_password_form(
    LINK_PARAMETER,
    "Set my password",
    lambda db, password, confirm: accept_invitation(db, token, password, confirm),
    done=f"Your password is set. You can now sign in with {email}.",
)
st.button("Not now", key="invitation.not_now", on_click=finish_link)
