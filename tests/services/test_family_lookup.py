"""Family look-up: search by name, e-mail, phone or student; overview; staff-only notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind, PhoneNumber, Role, StaffNote
from services.billing.transactions_history import ledger_meta
from services.desk.family_lookup import (
    add_staff_note,
    family_overview,
    search_families,
    staff_family_ledger,
)
from services.kernel import clock
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f


@pytest.fixture
def desk_and_families(db: Session):  # type: ignore[no-untyped-def]
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    garcia, _, garcia_account = f.family(db, "Garcia", email="maria@example.com")
    okafor, _, _ = f.family(db, "Okafor", email="ada@example.com")
    f.student(db, garcia, "Sofia")
    f.student(db, okafor, "Chidi")
    f.entry(db, garcia, north, LedgerKind.CHARGE, 8_500)
    f.entry(db, okafor, south, LedgerKind.CHARGE, 1_000)
    db.add(PhoneNumber(family_id=garcia.id, e164="+13125550147", created_at=clock.now()))
    desk = f.staff(db, "desk@example.com", [north])
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    parent = f.guardian_actor(db, garcia_account)
    db.commit()
    return desk, admin, parent, garcia, okafor


@pytest.mark.parametrize("query", ["garcia", "GARC", "maria@ex", "Sofia", "555014", "Alex G"])
def test_search_finds_by_name_email_phone_or_student(db: Session, desk_and_families, query) -> None:
    desk, _, _, garcia, _ = desk_and_families
    hits = search_families(db, desk, query)
    assert [h.family_id for h in hits] == [garcia.id]
    assert hits[0].students == "Sofia Garcia"


def test_staff_find_only_families_of_their_locations(db: Session, desk_and_families) -> None:
    desk, admin, _, _, okafor = desk_and_families
    assert search_families(db, desk, "okafor") == []
    assert [h.family_id for h in search_families(db, admin, "okafor")] == [okafor.id]
    with pytest.raises(NotFound):
        family_overview(db, desk, okafor.id)


@pytest.mark.parametrize("query", ["", " a ", "x" * 101, None, 5])
def test_bad_queries_are_refused(db: Session, desk_and_families, query) -> None:
    desk = desk_and_families[0]
    with pytest.raises(ValidationError):
        search_families(db, desk, query)


def test_like_wildcards_are_searched_literally(db: Session, desk_and_families) -> None:
    desk = desk_and_families[0]
    assert search_families(db, desk, "%%") == []
    assert search_families(db, desk, "__") == []


def test_overview_shows_the_account_and_notes_stay_with_staff(
    db: Session, desk_and_families
) -> None:
    desk, _, parent, garcia, _ = desk_and_families
    add_staff_note(db, desk, garcia.id, "Prefers calls after 5 pm")
    view = family_overview(db, desk, garcia.id)
    assert view.family_name == "Garcia family"
    assert [g.name for g in view.guardians] == ["Alex Garcia"]
    assert view.guardians[0].emails == ("maria@example.com",)
    assert view.unassigned == ("+13125550147",)
    assert [s.first_name for s in view.students] == ["Sofia"]
    assert view.balance.outstanding_cents == 8_500
    assert [n.body for n in view.notes] == ["Prefers calls after 5 pm"]
    for call in (
        lambda: family_overview(db, parent, garcia.id),
        lambda: search_families(db, parent, "garcia"),
        lambda: add_staff_note(db, parent, garcia.id, "hello"),
    ):
        with pytest.raises(AccessDenied):
            call()


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001, "bad\x00char", None])
def test_bad_notes_write_nothing(db: Session, desk_and_families, body) -> None:
    desk, _, _, garcia, _ = desk_and_families
    with pytest.raises(ValidationError):
        add_staff_note(db, desk, garcia.id, body)
    assert db.scalar(select(func.count()).select_from(StaffNote)) == 0


def test_notes_for_unseen_families_are_refused(db: Session, desk_and_families) -> None:
    desk, _, _, _, okafor = desk_and_families
    with pytest.raises(NotFound):
        add_staff_note(db, desk, okafor.id, "note")
    assert db.scalar(select(func.count()).select_from(StaffNote)) == 0


def test_staff_ledger_covers_the_last_30_days_or_everything(db: Session, desk_and_families) -> None:
    desk, _, parent, garcia, okafor = desk_and_families
    old = db.scalar(select(LedgerEntry).where(LedgerEntry.family_id == garcia.id))
    old.posted_at = clock.now() - timedelta(days=30)  # the 31st day back: outside
    db.commit()
    recent = staff_family_ledger(db, desk, garcia.id)
    assert recent.empty
    assert ledger_meta(recent).period.days == 30
    assert len(staff_family_ledger(db, desk, garcia.id, full_history=True)) == 1
    with pytest.raises(AccessDenied):
        staff_family_ledger(db, parent, garcia.id)
    with pytest.raises(NotFound):
        staff_family_ledger(db, desk, okafor.id)
    with pytest.raises(ValidationError):
        staff_family_ledger(db, desk, garcia.id, full_history="yes")  # type: ignore[arg-type]
