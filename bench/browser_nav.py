"""The browser bench's way around the app: its navigation (`st.navigation(position="top")`:
header links and drop-down sections from 768 px wide, Streamlit's sidebar menu below) and the
browser context a viewport gets (a phone's user agent at phone width), and signing in."""

from __future__ import annotations

from typing import Any

from bench.browser_steps import FrameCounter, Sample, StepResult
from bench.browser_steps import timed as _timed

TOP_NAV_MIN_WIDTH = 768  # narrower, Streamlit moves position="top" navigation to the sidebar
PHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
HEADINGS = {"Home": "Hello", "Students": "Your students", "Classes and waitlists": "Classes"}


def context_options(viewport: dict[str, int]) -> dict[str, Any]:
    """A phone's user agent at phone width: only then does Streamlit close its sidebar menu
    after a choice, as on a real phone (tests/browser/test_thumb_navigation.py)."""
    if viewport["width"] < TOP_NAV_MIN_WIDTH:
        return {"viewport": viewport, "user_agent": PHONE_USER_AGENT}
    return {"viewport": viewport}


def heading(page: Any, title: str) -> Any:
    return page.get_by_role("heading", name=HEADINGS.get(title, title)).first


def _label(entry: Any) -> str:
    """A navigation entry's title: its text without the icon's ligature (the last line)."""
    return entry.inner_text().strip().splitlines()[-1].strip()


def nav_titles(page: Any) -> dict[str, int | None]:
    """Every navigation entry → the header drop-down section holding it (None: a header link,
    or the sidebar menu below 768 px), in the order the app lists them. Not timed."""
    if page.viewport_size["width"] < TOP_NAV_MIN_WIDTH:
        _open_sidebar(page)
        titles = {_label(link): None for link in page.get_by_test_id("stSidebarNavLink").all()}
        _close_sidebar(page)
        return titles
    titles = {_label(link): None for link in page.get_by_test_id("stTopNavLink").all()}
    for index, section in enumerate(page.get_by_test_id("stTopNavSection").all()):
        section.click()
        page.get_by_test_id("stTopNavPopover").wait_for()
        titles |= {_label(item): index for item in page.get_by_role("menuitem").all()}
        page.keyboard.press("Escape")
    return titles


def _open_sidebar(page: Any) -> None:
    """Below 768 px the menu is in the sidebar, which starts closed: open it (not timed)."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.get_by_test_id("stSidebarNavLink").first.wait_for(state="visible")


def _close_sidebar(page: Any) -> None:
    """An open sidebar covers a phone's page. Streamlit closes it after a choice only for a
    phone's user agent; close it if it is still open (not timed)."""
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if collapse.count() and page.get_by_test_id("stSidebarNavLink").first.is_visible():
        # shown on hover only, and at times scrolled out of a phone's view: a person taps
        # the same spot; Playwright's click would refuse it
        collapse.first.dispatch_event("click")
        page.get_by_test_id("stExpandSidebarButton").first.wait_for(state="visible")


def _nav(page: Any, counter: FrameCounter, title: str, section: int | None) -> Sample:
    """Click the entry (timed). Opening the sidebar or the header's drop-down section first
    is not timed: it runs in the browser only, no rerun; the timing starts once the entry is
    ready for the tap (docs/decisions.md, "Navigation is timed from the tap")."""
    if page.viewport_size["width"] < TOP_NAV_MIN_WIDTH:
        _open_sidebar(page)
        link = page.get_by_test_id("stSidebarNavLink").filter(has_text=title)
        link = link.get_by_text(title, exact=True).first
    elif section is None:
        link = page.get_by_test_id("stTopNavLink").get_by_text(title, exact=True).first
    else:
        page.get_by_test_id("stTopNavSection").nth(section).click()
        page.get_by_test_id("stTopNavPopover").wait_for()
        link = page.get_by_role("menuitem").get_by_text(title, exact=True).first
    # Wait (untimed) until the entry can take the tap: the sidebar and the drop-down slide
    # in, and Playwright's click would otherwise wait out that animation inside the timing.
    link.click(trial=True)
    sample = _timed(counter, link.click, heading(page, title))
    if page.viewport_size["width"] < TOP_NAV_MIN_WIDTH:
        _close_sidebar(page)  # not timed: the next step clicks inside the page
    return sample


def goto(page: Any, counter: FrameCounter, titles: dict, title: str, steps: dict) -> None:
    section = titles.get(title)
    steps.setdefault(f"nav: {title}", StepResult()).add(lambda: _nav(page, counter, title, section))


def sign_in(
    page: Any, counter: FrameCounter, role: str, login: tuple[str, str], steps: dict
) -> None:
    """The e-mail and password typed (untimed), then the click → the role's first page, timed
    into `steps` (a throwaway dict when the sign-in is not what is measured)."""
    page.get_by_label("E-mail").fill(login[0])
    page.get_by_label("Password", exact=True).fill(login[1])
    heading = page.get_by_role("heading", name="Hello" if role == "parent" else "Today").first
    button = page.get_by_role("button", name="Sign in")
    step = steps.setdefault("sign-in → first page", StepResult())
    step.add(lambda: _timed(counter, button.click, heading))
    if step.errors:
        raise RuntimeError(f"sign-in failed: {step.errors[-1]}")
