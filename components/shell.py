"""The page router: who is signed in decides which pages exist (st.navigation by role)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.auth import render_cookie_bridge, resolve_actor, sign_out
from components.database_trouble import database_trouble_shown
from components.link_tokens import (
    INVITATION,
    RESET,
    SETUP,
    STAFF_INVITATION,
    capture_link_tokens,
    pending_link,
    render_signed_in_notice,
)
from components.location_picker import render_location_picker
from components.page_style import render_page_style
from components.two_factor import render_recovery_codes_once
from data.config import load_secrets_file
from data.db import session_scope
from data.schema_version import SchemaStatus, schema_status
from services.families.home import family_locations
from services.kernel.access import Actor

PAGES = Path(__file__).resolve().parent.parent / "pages"
UPGRADING = "Cartwheel is being upgraded. Please try again in a few minutes."
UNAVAILABLE = "Cartwheel cannot reach its database right now. Please try again in a few minutes."


def _page(file: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(PAGES / file, title=title, icon=icon, default=default)


def pages_for(actor: Actor) -> list[st.Page] | dict[str, list[st.Page]]:
    """Only pages that exist for this role. Parents get one short list; staff get sections,
    the front desk's daily pages first, then reports, then the gym's catalog read-only for
    the desk, or the owner's back office for admins."""
    if actor.is_guardian:
        return [
            _page("family_home.py", "Home", ":material/home:", default=True),
            _page("students.py", "Students", ":material/groups:"),
            _page("attendance.py", "Attendance", ":material/event_available:"),
            _page("transactions.py", "Transactions", ":material/receipt_long:"),
            _page("billing.py", "Billing", ":material/payments:"),
            _page("account.py", "Account", ":material/manage_accounts:"),
        ]
    if actor.is_instructor:
        return [
            _page("my_classes.py", "My classes", ":material/school:", default=True),
            _page("staff_skills.py", "Skills", ":material/star:"),
        ]
    sections = {
        "Front desk": [
            _page("staff_home.py", "Today", ":material/dashboard:", default=True),
            _page("staff_rosters.py", "Rosters and check-in", ":material/how_to_reg:"),
            _page("staff_requests.py", "Requests", ":material/inbox:"),
            _page("staff_families.py", "Families", ":material/family_restroom:"),
            _page("staff_new_family.py", "New family", ":material/person_add:"),
            _page("staff_classes.py", "Classes and waitlists", ":material/calendar_month:"),
            _page("staff_skills.py", "Skills", ":material/star:"),
            _page("staff_failed_payments.py", "Failed payments", ":material/credit_card_off:"),
        ],
        "Reports": [
            _page("staff_analytics.py", "Attendance analytics", ":material/monitoring:"),
        ],
    }
    if actor.is_admin:  # the business's money is the owner's (docs/decisions-16-moneyview.md)
        sections["Reports"].append(_page("admin_money.py", "Money", ":material/account_balance:"))
    if not actor.is_admin:  # admins read and edit these on their Back office pages
        sections["Gym"] = [
            _page("gym_locations.py", "Locations", ":material/location_on:"),
            _page("gym_programs.py", "Programs and skills", ":material/category:"),
            _page("gym_terms.py", "Terms", ":material/date_range:"),
        ]
    if actor.is_admin:
        sections["Back office"] = [  # in the order an owner sets a gym up
            _page("admin_locations.py", "Locations", ":material/location_on:"),
            _page("admin_programs.py", "Programs and skills", ":material/category:"),
            _page("admin_terms.py", "Terms", ":material/date_range:"),
            _page("admin_classes.py", "Classes", ":material/edit_calendar:"),
            _page("admin_closures.py", "Closures", ":material/event_busy:"),
            _page("admin_staff.py", "Staff", ":material/badge:"),
            _page("admin_settings.py", "Portal settings", ":material/settings:"),
            _page("admin_outbox.py", "Outbox", ":material/outbox:"),
            _page("admin_tuition.py", "Tuition", ":material/request_quote:"),
            _page("admin_jobs.py", "Scheduled jobs", ":material/schedule:"),
        ]
    return sections


def signed_out_page() -> st.Page:
    """The sign-in page, or the page of a link (e-mailed, or the printed setup link) opened in
    this browser session. Before setup the sign-in page says only that the portal is not set
    up (pages/sign_in.py)."""
    kind = pending_link()
    if kind == SETUP:
        return _page("setup.py", "Set up", ":material/rocket_launch:", default=True)
    if kind == INVITATION:
        return _page(
            "accept_invitation.py", "Accept invitation", ":material/person_add:", default=True
        )
    if kind == STAFF_INVITATION:
        return _page(
            "accept_staff_invitation.py", "Accept invitation", ":material/badge:", default=True
        )
    if kind == RESET:
        return _page("reset_password.py", "Reset password", ":material/lock_reset:", default=True)
    return _page("sign_in.py", "Sign in", ":material/login:", default=True)


# Pages that e-mails link to by address (autopay's failure e-mail links to /billing).
LINKED_PAGES = ("billing",)


def signed_out_pages() -> list[st.Page]:
    """The signed-out page, and the sign-in page again at each linked page's address: a
    link opened signed out asks for a sign-in there (not "Page not found"), and the rerun
    after it runs the real page at that address (a page's identity is its url path)."""
    if pending_link() is not None:
        return [signed_out_page()]
    return [signed_out_page(), *linked_sign_in_pages()]


def linked_sign_in_pages() -> list[st.Page]:
    return [
        st.Page(PAGES / "sign_in.py", title="Sign in", icon=":material/login:", url_path=path)
        for path in LINKED_PAGES
    ]


def database_ready() -> bool:
    """False (with a short notice instead of error screens) while the database is not at
    this code's schema, e.g. after an upgrade before `python -m data.migrate` ran."""
    status = schema_status()
    if status is SchemaStatus.CURRENT:
        return True
    st.set_page_config(page_title="Cartwheel", page_icon=":material/sports_gymnastics:")
    st.info(
        UPGRADING if status is SchemaStatus.NOT_CURRENT else UNAVAILABLE, icon=":material/build:"
    )
    return False


def run_portal() -> None:
    capture_link_tokens()  # before the sign-in check: the token leaves the address bar at once
    if not database_ready():
        return
    actor = resolve_actor()
    if actor is None:
        st.set_page_config(
            page_title="Cartwheel · Sign in",
            page_icon=":material/sports_gymnastics:",
            layout="centered",
        )
        render_page_style()
        navigation = st.navigation(signed_out_pages(), position="hidden")
        render_cookie_bridge()
        navigation.run()
        return
    st.set_page_config(
        page_title="Cartwheel",
        page_icon=":material/sports_gymnastics:",
        layout="centered" if actor.is_guardian else "wide",
    )
    render_page_style()
    # In the header on screens 768 px and wider (it never covers the page); below that
    # Streamlit shows it in the sidebar menu, which closes after a choice on phones. Expanded:
    # an owner's back office pages must not hide behind "View more" (docs/decisions-18-a11y.md).
    navigation = st.navigation(pages_for(actor), position="top", expanded=True)
    if not actor.is_instructor:  # an instructor's page lists their own classes instead
        with session_scope() as db:
            options = family_locations(db, actor)
        # On the page itself, above its content: reachable without opening a menu.
        render_location_picker(options, allow_all=actor.is_staff and len(options) > 1)
    with st.sidebar:
        st.caption(f"Signed in as {actor.display_name}")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:", key="sign_out")
        render_cookie_bridge()
    render_signed_in_notice()
    render_recovery_codes_once()
    navigation.run()


if __name__ == "__main__":  # the script st.App runs for every browser session (see app.py)
    load_secrets_file()
    with database_trouble_shown():
        run_portal()
