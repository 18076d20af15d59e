"""Shared fixtures: a migrated database per test on SQLite and on a throwaway PostgreSQL
cluster, and a fixed clock.

CI sets CARTWHEEL_REQUIRE_ALL_TESTS=1, which turns "PostgreSQL/Chromium missing" skips into
failures so those tests cannot be skipped silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.db import make_engine
from data.migrate import upgrade
from data.models import Base
from services.kernel import clock
from tests.support.postgres import Cluster, start_cluster

REQUIRE_ALL = os.environ.get("CARTWHEEL_REQUIRE_ALL_TESTS") == "1"
FIXED_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday afternoon


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail when CI requires every kind of test to run."""
    if REQUIRE_ALL:
        pytest.fail(f"required test could not run: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def test_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign QR codes and calendar links with a fixed key; never write data/secret_key."""
    from tests.factories import use_test_secret_key

    use_test_secret_key(monkeypatch)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[datetime]:
    with clock.frozen_at(FIXED_NOW):
        yield FIXED_NOW


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    try:
        cluster = start_cluster()
    except (FileNotFoundError, OSError):
        yield None
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_database(pg_cluster: Cluster | None) -> str | None:
    if pg_cluster is None:
        return None
    url = pg_cluster.create_database("cartwheel_test")
    upgrade(url)
    return url


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_template: str, tmp_path: os.PathLike[str]) -> str:
    """A freshly migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = os.path.join(tmp_path, "test.db")
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    if url is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    _truncate_all(url)
    return url


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    session = Session(engine, expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture(scope="session")
def localstripe():  # type: ignore[no-untyped-def]
    """A real localstripe server on 127.0.0.1 for the whole test session."""
    from tests.support.localstripe import running_localstripe

    yield from running_localstripe()
