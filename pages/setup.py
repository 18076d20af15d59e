"""First-run setup (signed out, from the link the server printed): the business, the owner's
administrator account and the first location, in one step. Then the owner signs in."""

import streamlit as st

from components.formatting import escape_markdown
from components.link_tokens import finish_link, pending_token
from components.setup_form import render_setup_form
from data.db import session_scope
from services.accounts.setup_link import LINK_PARAMETER, SETUP_INVALID, setup_link_valid
from services.backoffice.first_run import complete_setup
from services.kernel.errors import DomainError

token = pending_token(LINK_PARAMETER)
with session_scope() as db:
    valid = setup_link_valid(db, token)

st.title("Set up your portal")
if not valid:
    st.error(SETUP_INVALID)
    st.button("Go to sign in", type="primary", key="setup.to_sign_in", on_click=finish_link)
    st.stop()

st.caption("A few details to start; everything can be changed later in the back office.")
entered = render_setup_form()
if entered is not None:
    try:
        with session_scope() as db:
            complete_setup(db, token, entered)
    except DomainError as refused:
        st.error(refused.message)
    else:
        email = escape_markdown(entered.owner_email.strip().lower())
        finish_link(f"Your portal is set up. Sign in with {email} and the password you chose.")
        st.rerun()
