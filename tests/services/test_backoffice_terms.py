"""Back office: terms, the named date ranges classes run in (issue 15)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from services.backoffice.terms import (
    TermInput,
    create_term,
    list_terms,
    search_terms,
    set_term_archived,
    update_term,
)
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.services.catalog_helpers import audited, refused

FALL = TermInput("Fall 2026", date(2026, 9, 1), date(2026, 12, 20))
SPRING = TermInput("Spring 2027", date(2027, 1, 11), date(2027, 5, 28))


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def test_the_class_editor_lists_the_active_terms_earliest_first(
    db: Session, gym: f.FamilyGym
) -> None:
    spring = create_term(db, gym.admin, SPRING)
    fall = create_term(db, gym.admin, FALL)
    assert [t.id for t in list_terms(db, gym.desk)] == [fall, spring]
    assert list_terms(db, gym.admin)[0].label == "Fall 2026 (1 Sep 2026 – 20 Dec 2026)"
    set_term_archived(db, gym.admin, fall, True)
    assert [t.id for t in list_terms(db, gym.admin)] == [spring]
    assert [(t.name, t.is_active) for t in search_terms(db, gym.desk).items] == [
        ("Spring 2027", True),
        ("Fall 2026", False),
    ]
    assert audited(db, "term.created")[1] == (
        str(fall),
        {"name": "Fall 2026", "start_date": "2026-09-01", "end_date": "2026-12-20"},
    )
    assert [e for e, _ in audited(db, "term.archived")] == [str(fall)]
    set_term_archived(db, gym.admin, fall, False)
    assert len(list_terms(db, gym.admin)) == 2


def test_an_edit_is_audited_with_old_and_new_values(db: Session, gym: f.FamilyGym) -> None:
    fall = create_term(db, gym.admin, FALL)
    update_term(db, gym.admin, fall, dataclasses.replace(FALL, end_date=date(2026, 12, 18)))
    assert audited(db, "term.updated") == [(str(fall), {"end_date": ["2026-12-20", "2026-12-18"]})]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "Please enter a term name"),
        ({"name": "fall 2026"}, "Another term already has that name"),
        ({"end_date": date(2027, 1, 11)}, "must end after it starts"),
        ({"start_date": date(2027, 5, 28)}, "must end after it starts"),
        ({"start_date": "2027-01-11"}, "Choose the term's start date"),
        ({"end_date": datetime(2027, 6, 1)}, "Choose the term's end date"),
        ({"name": None}, "must be text"),
    ],
)
def test_bad_term_input_is_refused_and_nothing_written(
    db: Session, gym: f.FamilyGym, change: dict[str, object], message: str
) -> None:
    create_term(db, gym.admin, FALL)
    spring = create_term(db, gym.admin, SPRING)
    bad = dataclasses.replace(SPRING, **change)  # type: ignore[arg-type]
    refused(db, ValidationError, message, lambda: update_term(db, gym.admin, spring, bad))
    if "fall" not in str(change.get("name", "")):
        refused(db, ValidationError, message, lambda: create_term(db, gym.admin, bad))


def test_only_admins_manage_terms_and_guardians_read_none(db: Session, gym: f.FamilyGym) -> None:
    fall = create_term(db, gym.admin, FALL)
    for actor in (gym.desk, gym.guardian):
        refused(db, AccessDenied, "administrator", lambda a=actor: create_term(db, a, SPRING))
        refused(db, AccessDenied, "administrator",
                lambda a=actor: update_term(db, a, fall, SPRING))  # fmt: skip
        refused(db, AccessDenied, "administrator",
                lambda a=actor: set_term_archived(db, a, fall, True))  # fmt: skip
    refused(db, AccessDenied, "staff only", lambda: list_terms(db, gym.guardian))
    refused(db, AccessDenied, "staff only", lambda: search_terms(db, gym.guardian))
    refused(db, NotFound, "term", lambda: update_term(db, gym.admin, 999_999, SPRING))
    refused(db, ValidationError, "Nothing changed", lambda: update_term(db, gym.admin, fall, FALL))
    refused(db, ValidationError, "already active",
            lambda: set_term_archived(db, gym.admin, fall, False))  # fmt: skip


def test_terms_are_searched_and_paged(db: Session, gym: f.FamilyGym) -> None:
    for n in range(25):
        create_term(
            db, gym.admin, TermInput(f"Camp {n:02d}", date(2027, 6, 1 + n), date(2027, 7, 1))
        )
    create_term(db, gym.admin, FALL)
    page = search_terms(db, gym.admin, search="camp", page=2)
    assert (page.total, page.pages, [t.name for t in page.items]) == (
        25,
        2,
        ["Camp 04", "Camp 03", "Camp 02", "Camp 01", "Camp 00"],
    )
