"""Accept an invitation (signed out, from the e-mailed link): the invited guardian chooses a
password, then signs in."""

import streamlit as st

from components.account.password_fields import new_password_fields
from components.formatting import escape_markdown
from components.link_tokens import finish_link, pending_token
from data.db import session_scope
from services.errors import ValidationError
from services.invitations import INVITATION_INVALID, LINK_PARAMETER, accept_invitation
from services.invitations import invitation_details as find_invitation

token = pending_token(LINK_PARAMETER)
with session_scope() as db:
    details = find_invitation(db, token)

st.title("Your invitation")
if details is None:
    st.error(INVITATION_INVALID)
    st.button("Go to sign in", type="primary", key="invitation.to_sign_in", on_click=finish_link)
    st.stop()

st.subheader(escape_markdown(f"Join the {details.family_name} account as {details.guardian_name}"))
st.markdown(f"You will sign in with **{escape_markdown(details.email)}**.")
with st.form("invitation.form"):
    password, confirm = new_password_fields("invitation.password")
    submitted = st.form_submit_button(
        "Set my password", type="primary", width="stretch", key="invitation.submit"
    )
if submitted:
    try:
        with session_scope() as db:
            accept_invitation(db, token, password, confirm)
    except ValidationError as refused:
        st.error(refused.message)
    else:
        finish_link(
            f"Your password is set. You can now sign in with {escape_markdown(details.email)}."
        )
        st.rerun()
st.button("Not now", key="invitation.not_now", on_click=finish_link)
