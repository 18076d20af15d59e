"""Every public service function, fed hostile ids and text in one argument at a time, answers
only with the project's domain errors, on SQLite and PostgreSQL (issue 13, items 17 and 18).

The functions and their id / text parameters are found by introspection
(tests/services/service_edge.py); the bad values are a fixed list, so a run is quick and
repeatable. Returning normally is allowed (e.g. an optional filter given None)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.services.service_edge import build_world, id_slots, sweep, text_slots

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
