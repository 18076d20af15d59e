"""Every public service function, fed hostile ids and text in one argument at a time, answers
only with the project's domain errors, on SQLite and PostgreSQL (issue 13, items 17 and 18).

The functions and their id / text parameters are found by introspection
(tests/services/service_edge.py); the bad values are a fixed list, so a run is quick and
repeatable. Returning normally is allowed (e.g. an optional filter given None)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.billing import payment_attempts
from services.families import contact_changes
from services.kernel import lookups
from services.kernel.errors import NotFound, ValidationError
from tests.services.service_edge import (
    OfflineGateway,
    World,
    build_world,
    id_slots,
    sweep,
    text_slots,
)

BAD_IDS: list[object] = [
    2**31,  # past PostgreSQL's INTEGER
    2**63,  # past SQLite's INTEGER
    -(2**63) - 1,
    -1,
    0,
    True,
    1.0,
    "1",
    None,
]
BAD_TEXT: list[object] = [
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "long enough for any minimum \ud800",
    "long enough for any minimum \x00",
    None,
    5,
    b"bytes",
    ["a list"],
]


def test_hostile_ids_meet_only_domain_errors(db: Session) -> None:
    world = build_world(db)
    calls, escaped = sweep(db, world, id_slots, BAD_IDS)
    assert calls > 500  # the sweep found the services (about 90 id arguments)
    assert escaped == [], "\n".join(escaped)


def test_hostile_text_meets_only_domain_errors(db: Session) -> None:
    world = build_world(db)
    calls, escaped = sweep(db, world, text_slots, BAD_TEXT)
    assert calls > 300
    assert escaped == [], "\n".join(escaped)


def test_the_ids_and_the_request_key_of_the_report(db: Session) -> None:
    """The cases the report named: an id past PostgreSQL's INTEGER or SQLite's, and a
    request key with a lone surrogate in begin_payment's idempotency key."""
    world = build_world(db)
    for too_big in (2**31, 2**63):
        with pytest.raises(NotFound, match="That student was not found"):
            lookups.student_for(db, world.guardian, too_big)
        with pytest.raises(NotFound, match="That guardian was not found"):
            contact_changes.add_email(db, world.guardian, too_big, "x@example.com")
        with pytest.raises(NotFound, match="That payment method was not found"):
            _pay(db, world, too_big, "a-request-key-of-twenty")
    with pytest.raises(ValidationError, match="payment form has expired"):
        _pay(db, world, world.values["method_id"], "a-request-key-of-twenty\ud800")


def _pay(db: Session, world: World, method_id: object, request_key: str) -> int:
    return payment_attempts.begin_payment(
        db,
        world.guardian,
        OfflineGateway(),
        amount_cents=100,
        payment_method_id=method_id,  # type: ignore[arg-type]
        request_key=request_key,
    )
