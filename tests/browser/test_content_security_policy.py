"""Under the server's Content-Security-Policy (routes/security_headers.py) every page of
every role loads in real Chromium with nothing blocked: Streamlit's frontend, the charts,
the data grid, the sign-in cookie hand-off and sign-out."""

from __future__ import annotations

import pytest

from data.demo import DEMO_PASSWORD
from tests.browser.conftest import RunningApp, open_page, sign_in, wait_for_cookie, wait_idle

PAGES = {
    "primary@example.com": ["Home", "Students", "Attendance", "Transactions", "Billing", "Account"],
    "admin@example.com": [
        "Today",
        "Rosters and check-in",
        "Requests",
        "Families",
        "New family",
        "Classes and waitlists",
        "Skills",
        "Attendance analytics",
        "Money",
        "Locations",
        "Programs and skills",
        "Terms",
        "Classes",
        "Closures",
        "Staff",
        "Portal settings",
        "Outbox",
    ],
}


@pytest.mark.parametrize("email", list(PAGES))
def test_every_page_loads_with_nothing_blocked(demo_app: RunningApp, page, email: str) -> None:  # type: ignore[no-untyped-def]
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(demo_app.url)
    assert (
        response is not None
        and "frame-ancestors 'self'" in response.headers["content-security-policy"]
    )
    sign_in(page, demo_app.url, email, DEMO_PASSWORD)
    wait_for_cookie(page, "cartwheel_session")  # the inline hand-off script ran
    for name in PAGES[email]:
        open_page(page, name)
        wait_idle(page)
        page.wait_for_timeout(500)  # charts and grids draw after the script run ends
        assert not page.get_by_test_id("stException").count(), name
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    assert blocked == []
