"""Staff (admins): find staff accounts, invite one by e-mail with a role and locations, edit
them, deactivate or reactivate them, re-send an invitation, reset a second factor."""

import streamlit as st

from components.actions import (
    close_panel,
    open_panel,
    panel,
    render_flash,
    run_action,
    run_then_rerun,
)
from components.auth import current_actor
from components.formatting import escape_markdown
from components.location_picker import selected_location_id
from components.staff_form import ROLE_CHOICES, render_staff_form
from data.config import public_base_url
from services.backoffice import staff
from services.families.home import open_locations

EDIT_KEY = "staff.edit"
PAGE_KEY = "staff.page"

actor = current_actor()
st.title("Staff")
render_flash()
locations = run_action(lambda db: open_locations(db, actor)) or []

with st.expander("Invite a staff member", icon=":material/person_add:"):
    here = selected_location_id()  # the page's location choice is the usual first choice
    values = render_staff_form(
        "staff.invite",
        locations,
        button="Send invitation",
        location_ids=(here,) if here is not None else (),
    )
    if values is not None:
        run_then_rerun(
            lambda db: staff.invite_staff(
                db, actor, values.email, values.display_name, values.role,
                values.location_ids, base_url=public_base_url(),
            ),
            f"Invitation queued for {values.email.strip()}.",
        )  # fmt: skip

query = st.text_input("Search by name or e-mail", key="staff.query", max_chars=100)
page = int(st.session_state.get(PAGE_KEY, 1)) - 1
listing = run_action(lambda db: staff.list_staff(db, actor, query=query, page=page))
if listing is None:
    st.stop()
if not listing.members:
    st.info("No staff member matches.")
for member in listing.members:
    state = "invited" if member.invited else ("active" if member.is_active else "deactivated")
    left, right = st.columns([4, 1])
    left.markdown(
        f"**{escape_markdown(member.display_name)}** · {escape_markdown(member.email)} · "
        f"{ROLE_CHOICES[member.role]} · {state}"
        + (" · two-factor on" if member.two_factor else "")
        + f"  \n{escape_markdown(', '.join(member.location_names) or 'No locations')}"
    )
    right.button(
        "Manage", key=f"staff.open.{member.user_id}", on_click=open_panel,
        args=(EDIT_KEY, member.user_id),
    )  # fmt: skip
if listing.pages > 1:
    if st.session_state.get(PAGE_KEY, 1) > listing.pages:
        st.session_state[PAGE_KEY] = listing.pages
    st.number_input(f"Page (of {listing.pages})", 1, listing.pages, step=1, key=PAGE_KEY)

if (user_id := panel(EDIT_KEY)) is not None:
    member = run_action(lambda db: staff.staff_member(db, actor, user_id))
    if member is None:
        close_panel(EDIT_KEY)
        st.stop()
    st.divider()
    st.subheader(f"Manage {escape_markdown(member.display_name)}")
    edited = render_staff_form(
        f"staff.edit.{member.user_id}", locations, button="Save changes",
        name=member.display_name, role=member.role, location_ids=member.location_ids,
        with_email=False,
    )  # fmt: skip
    if edited is not None:
        run_then_rerun(
            lambda db: staff.update_staff(
                db, actor, member.user_id, edited.display_name, edited.role, edited.location_ids
            ),
            "Changes saved.",
        )
    columns = st.columns(4)
    if columns[0].button(
        "Reactivate" if not member.is_active else "Deactivate", key="staff.active"
    ):
        run_then_rerun(
            lambda db: staff.set_staff_active(db, actor, member.user_id, not member.is_active),
            "Reactivated." if not member.is_active else "Deactivated; their sessions ended.",
        )
    if member.invited and columns[1].button("Re-send invitation", key="staff.resend"):
        run_then_rerun(
            lambda db: staff.resend_staff_invitation(
                db, actor, member.user_id, base_url=public_base_url()
            ),
            "A new invitation is queued.",
        )
    if member.two_factor and columns[2].button("Reset two-factor", key="staff.reset_2fa"):
        run_then_rerun(
            lambda db: staff.reset_second_factor(db, actor, member.user_id),
            "Two-factor sign-in reset; they set it up again at their next sign-in.",
        )
    columns[3].button("Close", key="staff.close", on_click=close_panel, args=(EDIT_KEY,))
