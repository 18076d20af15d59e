"""Which pages exist for whom: the role's pages (st.navigation's list, by section for staff)
and the signed-out page of this browser session. Built here, not in the router script
(components/shell.py), because the router runs afresh on every rerun while this module's
cache of built pages lasts for the process."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import streamlit as st

from components.link_tokens import INVITATION, RESET, SETUP, STAFF_INVITATION, pending_link
from services.kernel.access import Actor

PAGES = Path(__file__).resolve().parent.parent / "pages"


def _page(
    file: str, title: str, icon: str, *, default: bool = False, url_path: str | None = None
) -> st.Page:
    """A fresh copy of the page's first-built st.Page: building one resolves and checks its
    file on disk (about 7 % of a parent's rerun), and st.navigation marks the page it runs
    on the object, so each run gets its own copy."""
    return copy.copy(_page_template(file, title, icon, default, url_path))


@functools.cache
def _page_template(
    file: str, title: str, icon: str, default: bool, url_path: str | None
) -> st.Page:
    return st.Page(PAGES / file, title=title, icon=icon, default=default, url_path=url_path)


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
        _page("sign_in.py", "Sign in", ":material/login:", url_path=path) for path in LINKED_PAGES
    ]
