"""Re-take the README screenshots: demo gym, real `streamlit run`, Debian Chromium.

.venv/bin/python -m scripts.screenshots
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from data.demo import DEMO_PASSWORD, build_demo
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in, start_app

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        build_demo(url, scale="small", seed=7)
        process, base = start_app(url, Path(folder) / "streamlit.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 1100})
                sign_in(page, base, "primary@example.com", DEMO_PASSWORD)
                page.get_by_text("Your students").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "family-home.png"))
                page.get_by_role("link", name="Students").click()
                page.get_by_role("heading", name="Your students").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "students.png"))
                page.get_by_role("button", name="Sign out").click()
                page.get_by_text("You are signed out.").wait_for()
                sign_in(page, base, "staff@example.com", DEMO_PASSWORD)
                page.get_by_text("Attendance, last 4 weeks").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "staff-home.png"))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
