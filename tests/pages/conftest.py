"""Page tests: AppTest runs the router script (components/shell.py, which app.py serves)
in-process against a SQLite database made for the test."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.db import make_engine
from data.models import Role
from services.accounts import auth, second_factor
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_db(unset_app_db: Session) -> Session:
    """A migrated database that the app under test uses (CARTWHEEL_DATABASE_URL), set up:
    it has an administrator, so the sign-in page shows its form (issue 15, first run)."""
    f.user(unset_app_db, "first.admin@example.org", Role.ADMIN, name="First admin")
    unset_app_db.commit()
    return unset_app_db


@pytest.fixture
def unset_app_db(
    sqlite_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """An empty migrated database with no administrator: the portal is not set up yet."""
    path = tmp_path / "app.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", url)
    engine = make_engine(url)
    session = Session(engine, expire_on_commit=False)
    yield session
    session.close()
    engine.dispose()


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "components" / "shell.py"), default_timeout=30)


def signed_in_app(db: Session, email: str, password: str) -> AppTest:
    """An AppTest whose browser session is signed in as `email` (through the real sign-in)."""
    result = auth.sign_in(db, email, password)
    if isinstance(result, second_factor.SecondStep):  # tested on its own: test_two_factor_pages
        result = auth.open_session(db, second_factor.pending_user(db, result.pending))
    at = new_app()
    at.session_state["auth.session_id"] = result.session_id
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, for "does the page say X" checks."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown"):
        parts.extend(str(element.value) for element in at.get(kind))
    # Alerts are one element type in AppTest ("alert"); read them through their properties.
    for alerts in (at.info, at.warning, at.error, at.success):
        parts.extend(str(element.value) for element in alerts)
    parts.extend(f"{m.label}: {m.value}" for m in at.metric)
    return unescape("\n".join(parts))


def unescape(markdown: str) -> str:
    """Drop the Markdown escapes components add to names (see escape_markdown)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def entry_rows(at: AppTest) -> list[str]:
    """The phone rows (components/entry_rows.py) the page drew, each as its text, its parts
    separated by single spaces: "Tue 24 Nov 2026 November tuition $85.00 Balance $85.00 …"."""
    rows: list[str] = []
    for element in at.get("html"):
        for item in re.findall(r"<li>(.*?)</li>", element.proto.body, re.DOTALL):
            words = re.sub(r"<[^>]+>", " ", item)
            rows.append(html.unescape(" ".join(words.split())))
    return rows


def table_frame(at: AppTest, index: int = 0) -> pd.DataFrame:
    """The `index`-th static table (components/static_table.py) with its cells as the
    person reads them (the Markdown escaping undone)."""
    return at.table[index].value.map(lambda cell: unescape(str(cell)))
