"""Navigation that works with a thumb (issue 18): on a phone the menu closes after a page is
chosen; on a tablet or laptop the pages are in the header and no menu covers the page; the
location choice is on the page itself, not inside a menu."""

from __future__ import annotations

from data.demo import DEMO_PASSWORD
from data.demo.logins import ADMIN_EMAIL, PRIMARY_EMAIL
from tests.browser.conftest import RunningApp, sign_in, wait_for_cookie, wait_idle

# Chromium's own iPhone profile (Playwright's device list): a phone is what Streamlit checks
# before it closes the menu after a choice.
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
SIDEBAR = '[data-testid="stSidebar"]'


def _signed_in(chromium, url: str, email: str, **options):  # type: ignore[no-untyped-def]
    context = chromium.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, url, email, DEMO_PASSWORD)
    wait_for_cookie(page, "cartwheel_session")
    page.goto(url)
    wait_idle(page)
    return context, page


def test_the_phone_menu_closes_after_each_choice(demo_app: RunningApp, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _signed_in(
        chromium,
        demo_app.url,
        PRIMARY_EMAIL,
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE_UA,
        is_mobile=True,
        has_touch=True,
    )
    try:
        sidebar = page.locator(SIDEBAR)
        assert sidebar.get_attribute("data-collapsed") == "true"  # closed when a page opens
        for name in ("Students", "Transactions", "Billing", "Account", "Home"):
            page.get_by_test_id("stExpandSidebarButton").click()
            page.wait_for_function(
                f"document.querySelector('{SIDEBAR}').dataset.collapsed === 'false'"
            )
            page.locator(SIDEBAR).get_by_role("link", name=name, exact=True).click()
            wait_idle(page)
            page.wait_for_function(
                f"document.querySelector('{SIDEBAR}').dataset.collapsed === 'true'"
            )
            page.get_by_role("heading", level=1).first.wait_for(state="visible")
    finally:
        context.close()


def test_tablet_pages_and_location_are_on_the_page(demo_app: RunningApp, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _signed_in(
        chromium, demo_app.url, ADMIN_EMAIL, viewport={"width": 820, "height": 1180}
    )
    try:
        # The pages are in the header (staff sections as drop-downs), not in a side menu.
        header = page.get_by_test_id("stTopNav")
        assert header.is_visible()
        assert header.get_by_test_id("stTopNavSection").filter(has_text="Back office").count()
        assert not page.locator(f'{SIDEBAR} [data-testid="stSidebarNav"]').count()
        # The location picker is in the page's main area, visible without opening anything.
        page.get_by_test_id("stMain").get_by_label("Location", exact=True).wait_for(state="visible")
        assert not page.locator(SIDEBAR).get_by_label("Location", exact=True).count()
    finally:
        context.close()


# Controls a thumb taps (inline links in a sentence are exempt under WCAG 2.5.8).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] :is(button, [role=tab], [data-baseweb=select] > div,'
    + ' [data-testid=stTooltipHoverTarget], [data-testid=stCheckbox] label)')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.getBoundingClientRect(), e.innerText || e.getAttribute("aria-label") || ""])
  .filter(([r]) => r.width > 0 && (r.width < 43.5 || r.height < 43.5))
  .map(([r, name]) =>
       `${name.trim().slice(0, 30)} ${Math.round(r.width)}×${Math.round(r.height)}`)"""


def test_phone_tap_targets_are_at_least_44_px(demo_app: RunningApp, chromium) -> None:  # type: ignore[no-untyped-def]
    context, page = _signed_in(
        chromium, demo_app.url, PRIMARY_EMAIL, viewport={"width": 390, "height": 844}
    )
    try:
        small = []
        for path in ("/", "/students", "/attendance", "/billing", "/account"):
            page.goto(demo_app.url + path)
            wait_idle(page)
            page.wait_for_timeout(400)
            small += [f"{path}: {target}" for target in page.evaluate(SMALL_TARGETS)]
        assert not small, "\n".join(small)
    finally:
        context.close()
