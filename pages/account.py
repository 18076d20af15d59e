"""Account (guardians): the family's guardians and their contact details, invitations and
payment permission (primary guardian), Change Password, and the account's activity."""

import streamlit as st

from components.account.sections import render_account_tabs
from components.actions import render_flash
from components.auth import current_actor

actor = current_actor()
st.title("Account")
render_flash()
render_account_tabs(actor)
