"""The demo gym generator: reproducible, complete, within the documented sizes, and honest
about the rules the app relies on (capacity, allocations, the demo sign-ins)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_FAMILY_NAME, DEMO_LOGINS, DEMO_PASSWORD, build_demo, catalog
from data.demo.__main__ import main as demo_cli
from data.demo.loader import LoaderFailed
from data.models import (
    AttendanceStatus,
    Base,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GuardianAccess,
    LedgerKind,
    Location,
    RequestKind,
    RequestStatus,
    SkillStatus,
    TokenState,
    User,
)
from services.accounts import auth
from services.accounts.auth import build_actor
from services.accounts.passwords import verify_password
from services.billing.tuition_totals import tuition_totals
from tests.conftest import FIXED_NOW, skip_or_fail
from tests.support.postgres import Cluster

TODAY = FIXED_NOW.date()
SEED = 7


def _within(actual: int, expected: int, tolerance: float = 0.15) -> bool:
    return expected * (1 - tolerance) <= actual <= expected * (1 + tolerance)


def _sqlite_copy(template: str, folder: Path, name: str) -> str:
    path = folder / name
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, sqlite_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The small demo, built once per database for the whole module."""
    if request.param == "sqlite":
        url = _sqlite_copy(sqlite_template, tmp_path_factory.mktemp("demo"), "demo.db")
    else:
        cluster: Cluster | None = request.getfixturevalue("pg_cluster")
        if cluster is None:
            skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        assert cluster is not None
        url = cluster.create_database("cartwheel_demo")
    build_demo(url, "small", SEED, TODAY)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _scalar(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _values(engine: Engine, sql: str) -> set[object]:
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(text(sql))}


def _content_hash(engine: Engine) -> str:
    """A hash over every row of every table in primary-key order (salted hashes left out)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "password_hash"]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# ---- reproducible ----------------------------------------------------------------------


def test_same_seed_and_day_give_the_same_database(sqlite_template: str, tmp_path: Path) -> None:
    hashes = []
    for name in ("a.db", "b.db"):
        url = _sqlite_copy(sqlite_template, tmp_path, name)
        build_demo(url, "small", SEED, TODAY)
        engine = make_engine(url)
        hashes.append(_content_hash(engine))
        engine.dispose()
    assert hashes[0] == hashes[1]


# ---- sizes -----------------------------------------------------------------------------


def test_small_scale_has_the_documented_sizes(demo: Engine) -> None:
    assert _scalar(demo, "SELECT count(*) FROM locations") == 2
    assert _within(_scalar(demo, "SELECT count(*) FROM families"), 600)
    assert _within(_scalar(demo, "SELECT count(*) FROM students"), 900)
    assert _within(_scalar(demo, "SELECT count(*) FROM students WHERE is_active"), 300)
    weekly_slots = "SELECT count(*) FROM classes WHERE term_start <= :d AND term_end >= :d"
    assert _within(_scalar(demo, weekly_slots, d=TODAY), 50)
    assert _within(_scalar(demo, "SELECT count(*) FROM attendance"), 50_000)
    assert _within(_scalar(demo, "SELECT count(*) FROM ledger_entries"), 25_000)


def test_every_family_has_one_to_four_students_and_one_primary_who_may_pay(
    demo: Engine,
) -> None:
    sizes = _values(demo, "SELECT count(*) FROM students GROUP BY family_id")
    assert sizes == {1, 2, 3, 4}
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM families f WHERE 1 <> (SELECT count(*)
        FROM guardians g WHERE g.family_id = f.id AND g.is_primary AND g.may_pay)""",
        )
        == 0
    )


# ---- every state the screens show ------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "enum"),
    [
        ("SELECT DISTINCT status FROM enrollments", EnrollmentStatus),
        ("SELECT DISTINCT type FROM enrollments", EnrollmentType),
        ("SELECT DISTINCT status FROM attendance", AttendanceStatus),
        ("SELECT DISTINCT status FROM evaluations", SkillStatus),
        ("SELECT DISTINCT state FROM makeup_tokens", TokenState),
        ("SELECT DISTINCT kind FROM parent_requests", RequestKind),
        ("SELECT DISTINCT status FROM parent_requests", RequestStatus),
        ("SELECT DISTINCT access FROM guardians", GuardianAccess),
        ("SELECT DISTINCT kind FROM ledger_entries", LedgerKind),
    ],
)
def test_every_state_is_present(demo: Engine, sql: str, enum: type) -> None:
    assert _values(demo, sql) == {member.value for member in enum}


def test_tokens_in_every_state_at_more_than_one_location(demo: Engine) -> None:
    for state in TokenState:
        locations = _scalar(
            demo,
            "SELECT count(DISTINCT location_id) FROM makeup_tokens WHERE state = :s",
            s=state.value,
        )
        assert locations >= 2, state


def test_open_requests_wait_at_every_location(demo: Engine) -> None:
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM locations l WHERE (SELECT count(*)
        FROM parent_requests r WHERE r.location_id = l.id AND r.status = 'pending') < 3""",
        )
        == 0
    )


def test_contact_details_cover_the_account_page(demo: Engine) -> None:
    assert _scalar(demo, "SELECT count(*) FROM email_addresses WHERE guardian_id IS NULL") > 0
    assert _scalar(demo, "SELECT count(*) FROM phone_numbers WHERE guardian_id IS NULL") > 0
    assert _scalar(demo, "SELECT count(*) FROM email_addresses WHERE NOT blasts_opt_in") > 0
    assert _scalar(demo, "SELECT count(*) FROM phone_numbers WHERE NOT sms_opt_in") > 0
    assert _scalar(demo, "SELECT count(*) FROM phone_numbers WHERE e164 NOT LIKE '+1%'") == 0
    assert _scalar(demo, "SELECT count(*) FROM students WHERE medical_notes <> ''") > 0
    # A guardian who can sign in has a login e-mail and an account; nobody else has either.
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM guardians g WHERE (g.access = 'can_log_in')
        <> (g.user_id IS NOT NULL AND EXISTS (SELECT 1 FROM email_addresses e
            WHERE e.guardian_id = g.id AND e.is_login))""",
        )
        == 0
    )


# ---- the rules the app relies on -------------------------------------------------------


def test_no_class_has_more_active_students_than_places(demo: Engine) -> None:
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM classes c WHERE c.capacity < (SELECT count(*)
        FROM enrollments e WHERE e.class_id = c.id AND e.status = 'active'
        AND e.type = 'regular')""",
        )
        == 0
    )


def test_students_who_left_hold_no_place(demo: Engine) -> None:
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM enrollments e JOIN students s ON s.id = e.student_id
            WHERE NOT s.is_active AND e.status IN ('active', 'waitlisted')""",
        )
        == 0
    )


def test_waitlists_are_numbered_from_one(demo: Engine) -> None:
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM (SELECT class_id, count(*) AS n,
        min(waitlist_position) AS lo, max(waitlist_position) AS hi FROM enrollments
        WHERE status = 'waitlisted' GROUP BY class_id) w
        WHERE w.lo <> 1 OR w.hi <> w.n""",
        )
        == 0
    )


def test_allocations_never_exceed_either_entry(demo: Engine) -> None:
    for side in ("from_entry_id", "to_entry_id"):
        assert (
            _scalar(
                demo,
                f"""SELECT count(*) FROM ledger_entries le JOIN
            (SELECT {side} AS entry_id, sum(amount_cents) AS used FROM ledger_allocations
             GROUP BY {side}) a ON a.entry_id = le.id
            WHERE a.used > le.amount_cents""",
            )
            == 0
        )
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM ledger_allocations a
        JOIN ledger_entries f ON f.id = a.from_entry_id
        JOIN ledger_entries t ON t.id = a.to_entry_id
        WHERE f.is_debit OR NOT t.is_debit OR f.family_id <> a.family_id
        OR t.family_id <> a.family_id""",
        )
        == 0
    )


def test_most_families_owe_nothing(demo: Engine) -> None:
    balances = """SELECT f.id, (SELECT coalesce(sum(CASE WHEN is_debit THEN amount_cents
        ELSE -amount_cents END), 0) FROM ledger_entries le WHERE le.family_id = f.id) AS b
        FROM families f"""
    with demo.connect() as conn:
        values = [row.b for row in conn.execute(text(balances))]
    assert sum(b == 0 for b in values) > len(values) * 0.7
    assert any(b > 0 for b in values) and any(b < 0 for b in values)


def test_classes_meet_today_at_every_location_and_nothing_today_is_marked(
    demo: Engine,
) -> None:
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM locations l WHERE NOT EXISTS (SELECT 1
        FROM classes c WHERE c.location_id = l.id AND c.weekday = :w
        AND c.term_start <= :d AND c.term_end >= :d)""",
            w=TODAY.weekday(),
            d=TODAY,
        )
        == 0
    )
    assert _scalar(demo, "SELECT count(*) FROM attendance WHERE class_date >= :d", d=TODAY) == 0
    assert (
        _scalar(
            demo,
            """SELECT count(*) FROM attendance a JOIN classes c
        ON c.id = a.class_id WHERE a.location_id <> c.location_id""",
        )
        == 0
    )


# ---- the demo sign-ins -----------------------------------------------------------------


def test_the_demo_logins_exist_with_their_roles(demo: Engine) -> None:
    emails = [email for email, _ in DEMO_LOGINS]
    with Session(demo) as db:
        users = {u.email: u for u in db.scalars(select(User).where(User.email.in_(emails)))}
        assert [users[e].role.value for e in emails] == ["guardian", "guardian", "staff", "admin"]
        assert verify_password(users[emails[0]].password_hash, DEMO_PASSWORD)
        staff_places = _values(
            demo,
            f"""SELECT l.name FROM staff_locations s
            JOIN locations l ON l.id = s.location_id WHERE s.user_id = {users[emails[2]].id}""",
        )
        first_location = db.scalars(select(Location.name).order_by(Location.id)).first()
        assert staff_places == {first_location}
        admin_places = _scalar(
            demo, "SELECT count(*) FROM staff_locations WHERE user_id = :u", u=users[emails[3]].id
        )
        assert admin_places == db.scalar(select(func.count()).select_from(Location))
    guardians = f"""SELECT u.email, g.is_primary, g.may_pay, g.access, f.name
        FROM guardians g JOIN users u ON u.id = g.user_id JOIN families f ON f.id = g.family_id
        WHERE u.email IN ('{emails[0]}', '{emails[1]}') ORDER BY g.is_primary DESC"""
    with demo.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(guardians))]
    assert rows == [
        (emails[0], True, True, "can_log_in", DEMO_FAMILY_NAME),
        (emails[1], False, False, "can_log_in", DEMO_FAMILY_NAME),
    ]


def test_the_demo_staff_sign_in_with_the_password_alone(demo: Engine) -> None:
    """Two-factor sign-in is off in the demo gym (issue 15), so every role can be tried."""
    with Session(demo) as db:
        for email, _ in DEMO_LOGINS:
            assert isinstance(auth.sign_in(db, email, DEMO_PASSWORD), auth.SignInResult)


def _demo_family_id(engine: Engine) -> int:
    with Session(engine) as db:
        family_id = db.scalar(select(Family.id).where(Family.name == DEMO_FAMILY_NAME))
    assert family_id is not None
    return family_id


def test_the_demo_family_has_three_students_at_two_locations(demo: Engine) -> None:
    family = _demo_family_id(demo)
    assert _scalar(demo, "SELECT count(*) FROM families WHERE name = :n", n=DEMO_FAMILY_NAME) == 1
    active = """SELECT count(DISTINCT s.id) FROM students s JOIN enrollments e
        ON e.student_id = s.id WHERE s.family_id = :f AND s.is_active
        AND e.status = 'active' AND e.type = 'regular'"""
    assert _scalar(demo, active, f=family) == 3
    assert _scalar(demo, "SELECT count(*) FROM students WHERE family_id = :f", f=family) == 3
    assert (
        _scalar(
            demo,
            """SELECT count(DISTINCT c.location_id) FROM enrollments e
        JOIN students s ON s.id = e.student_id JOIN classes c ON c.id = e.class_id
        WHERE s.family_id = :f AND e.status = 'active' AND e.type = 'regular'""",
            f=family,
        )
        == 2
    )


def test_the_demo_family_owes_money_and_has_credit(demo: Engine) -> None:
    family = _demo_family_id(demo)
    outstanding = """SELECT coalesce(sum(le.amount_cents - coalesce((SELECT sum(a.amount_cents)
        FROM ledger_allocations a WHERE a.to_entry_id = le.id), 0)), 0)
        FROM ledger_entries le WHERE le.family_id = :f AND le.is_debit"""
    credit = """SELECT coalesce(sum(le.amount_cents - coalesce((SELECT sum(a.amount_cents)
        FROM ledger_allocations a WHERE a.from_entry_id = le.id), 0)), 0)
        FROM ledger_entries le WHERE le.family_id = :f AND NOT le.is_debit"""
    assert _scalar(demo, outstanding, f=family) > 0
    assert _scalar(demo, credit, f=family) > 0


def test_the_demo_family_shows_every_feature(demo: Engine) -> None:
    family = _demo_family_id(demo)
    tokens = _values(
        demo,
        f"""SELECT state || '@' || location_id FROM makeup_tokens
        WHERE family_id = {family}""",
    )
    locations = _values(
        demo,
        f"""SELECT DISTINCT c.location_id FROM enrollments e
        JOIN classes c ON c.id = e.class_id JOIN students s ON s.id = e.student_id
        WHERE s.family_id = {family} AND e.status = 'active'""",
    )
    assert {f"{state.value}@{loc}" for state in TokenState for loc in locations} <= tokens
    statuses = _values(
        demo, f"SELECT DISTINCT status FROM parent_requests WHERE family_id = {family}"
    )
    assert "pending" in statuses and len(statuses) >= 3
    marks = _values(
        demo,
        f"""SELECT DISTINCT a.status FROM attendance a
        JOIN students s ON s.id = a.student_id WHERE s.family_id = {family}""",
    )
    assert {"present", "absent", "excused", "makeup"} <= marks
    upcoming = f"""SELECT count(*) FROM future_absences fa JOIN students s
        ON s.id = fa.student_id WHERE s.family_id = {family} AND fa.cancelled_at IS NULL
        AND fa.class_date > :d"""
    assert _scalar(demo, upcoming, d=TODAY) > 0
    assert _scalar(demo, f"SELECT count(*) FROM punch_passes WHERE family_id = {family}") > 0
    assert (
        _scalar(
            demo,
            f"""SELECT count(*) FROM evaluations ev JOIN students s
        ON s.id = ev.student_id WHERE s.family_id = {family}""",
        )
        > 0
    )


def test_the_demo_family_has_a_class_today_and_one_with_a_sister_class(demo: Engine) -> None:
    """The browser journeys rely on both: a roster to check in, somewhere to book a makeup."""
    current = """SELECT count(*) FROM enrollments e JOIN students s ON s.id = e.student_id
        JOIN classes c ON c.id = e.class_id WHERE s.family_id = :f AND e.status = 'active'
        AND e.type = 'regular'"""
    family = _demo_family_id(demo)
    assert _scalar(demo, current + " AND c.weekday = :w", f=family, w=TODAY.weekday()) > 0
    sister = """ AND EXISTS (SELECT 1 FROM classes x WHERE x.level_id = c.level_id
        AND x.location_id = c.location_id AND x.id <> c.id AND x.is_active)"""
    assert _scalar(demo, current + sister, f=family) > 0


def test_rows_added_after_the_demo_get_new_ids(demo: Engine) -> None:
    """On PostgreSQL the id sequences were moved past the ids the demo chose itself."""
    with Session(demo) as db:
        biggest = db.scalar(select(func.max(Family.id)))
        family = Family(name="Newcomer family", created_at=FIXED_NOW)
        db.add(family)
        db.flush()
        assert biggest is not None and family.id > biggest
        db.rollback()


# ---- the command line ------------------------------------------------------------------


def _add_family(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(Family.__table__.insert().values(name="Existing family", created_at=FIXED_NOW))
    engine.dispose()


def _families(url: str) -> int:
    engine = make_engine(url)
    try:
        return _scalar(engine, "SELECT count(*) FROM families")
    finally:
        engine.dispose()


def test_if_empty_leaves_a_database_with_data_alone(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_family(db_url)
    assert demo_cli(["--database-url", db_url, "--if-empty"]) == 0
    assert "already has data" in capsys.readouterr().out
    assert _families(db_url) == 1


def test_the_cli_refuses_a_database_with_data(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_family(db_url)
    assert demo_cli(["--database-url", db_url, "--today", TODAY.isoformat()]) == 1
    assert "only fills an empty database" in capsys.readouterr().err
    assert _families(db_url) == 1


def test_a_failed_build_keeps_nothing(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object) -> None:
        raise RuntimeError("generator broke")

    monkeypatch.setattr("data.demo.build.add_requests", broken)
    with pytest.raises(RuntimeError, match="generator broke"):
        build_demo(db_url, "small", SEED, TODAY)
    assert _families(db_url) == 0


def test_database_errors_come_back_and_nothing_is_kept(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = catalog._add_settings

    def duplicated(ctx, home, admin_id) -> None:  # type: ignore[no-untyped-def]
        original(ctx, home, admin_id)
        original(ctx, home, admin_id)  # the same setting keys again: a primary-key violation

    monkeypatch.setattr(catalog, "_add_settings", duplicated)
    with pytest.raises(LoaderFailed, match="portal_settings"):
        build_demo(db_url, "small", SEED, TODAY)
    assert _families(db_url) == 0


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        build_demo("sqlite://", "huge", SEED, TODAY)


@pytest.mark.slow
def test_large_scale_has_the_documented_sizes(sqlite_template: str, tmp_path: Path) -> None:
    url = _sqlite_copy(sqlite_template, tmp_path, "large.db")
    report = build_demo(url, "large", SEED, date(2026, 11, 24))
    expected = {
        "families": 4_000,
        "students": 6_000,
        "attendance": 350_000,
        "ledger_entries": 160_000,
    }
    for table, size in expected.items():
        assert _within(report.counts[table], size), table
    engine = make_engine(url)
    try:
        assert _within(_scalar(engine, "SELECT count(*) FROM students WHERE is_active"), 2_000)
        assert _within(
            _scalar(
                engine,
                "SELECT count(*) FROM classes WHERE term_start <= :d AND term_end >= :d",
                d=TODAY,
            ),
            300,
        )
    finally:
        engine.dispose()


def test_the_demo_family_always_has_a_student_on_a_waitlist(demo: Engine) -> None:
    """So "Show waitlist" and "Cancel waitlist" appear at first sign-in (issue 13, item 15):
    the oldest, Lucia, waits for another class of her program at her location, whatever
    the random waitlists did."""
    family = _demo_family_id(demo)
    waiting = f"""SELECT count(*) FROM enrollments w
        JOIN students s ON s.id = w.student_id AND s.first_name = 'Lucia'
        JOIN classes wc ON wc.id = w.class_id
        JOIN enrollments a ON a.student_id = s.id AND a.status = 'active'
        JOIN classes ac ON ac.id = a.class_id AND ac.location_id = wc.location_id
        JOIN levels wl ON wl.id = wc.level_id JOIN levels al ON al.id = ac.level_id
        WHERE s.family_id = {family} AND w.status = 'waitlisted'
        AND w.waitlist_position >= 1 AND wl.program_id = al.program_id"""
    assert _scalar(demo, waiting) == 1


def test_the_demo_tuition_is_recorded_so_the_tuition_run_skips_it(demo: Engine) -> None:
    """Issue 16: each demo tuition charge has its `tuition_lines` row, so posting a month the
    demo already charged adds only the few places it did not (a class joined mid-month by a
    transfer), never a second charge for the month."""
    with Session(demo) as db:
        admin = db.scalar(select(User).where(User.email == "admin@example.com"))
        assert admin is not None
        november = tuition_totals(db, build_actor(db, admin), "2026-11")
    assert november.already_posted > 20 * max(1, november.lines)
    assert _scalar(
        demo,
        "SELECT count(*) FROM tuition_lines t JOIN ledger_entries e ON e.id = t.ledger_entry_id"
        " WHERE e.kind = 'charge' AND e.service_date = t.period"
        " AND e.amount_cents = t.amount_cents",
    ) == _scalar(demo, "SELECT count(*) FROM tuition_lines")
