"""One seat rule for every path into a class meeting (issue 13, item 20), on both databases
(tests/support/seats.py describes the class and the students)."""

from __future__ import annotations

import multiprocessing
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from services.classes.capacity import open_seats_from, open_seats_on
from services.classes.transfers import transfer_options
from services.classes.waitlists import join_waitlist
from services.kernel.errors import ValidationError
from services.makeups.makeup_visits import makeup_options
from services.makeups.passes import punch_options
from tests import factories as f
from tests.support.seats import (
    DEC_3,
    DEC_10,
    NOV_26,
    Gym,
    book_in_process,
    build_gym,
    calls,
    in_class_on,
    paths,
)


@pytest.fixture
def gym(db: Session) -> Gym:
    return build_gym(db)


@pytest.mark.parametrize(
    "first",
    [
        "transfer",
        "transfer a week earlier",
        "approved transfer request",
        "makeup",
        "approved makeup request",
        "punch-pass drop-in",
    ],
)
def test_the_last_seat_taken_by_one_path_refuses_every_other(
    db: Session, gym: Gym, first: str
) -> None:
    every = paths(gym)
    assert in_class_on(db, gym.thursday, DEC_3) == 2
    every.pop(first)(db)
    assert in_class_on(db, gym.thursday, DEC_3) == 3
    for name, path in every.items():
        with pytest.raises(ValidationError, match="full"):
            path(db)
        db.rollback()
        assert in_class_on(db, gym.thursday, DEC_3) == 3, name
    # The class is full from its next meeting on, so it now takes a waitlist.
    assert join_waitlist(db, gym.guardian, gym.students["Zed"].id, gym.thursday.id)


def test_a_lent_seat_takes_one_visit_but_never_a_regular_place(db: Session, gym: Gym) -> None:
    f.enroll(db, f.student(db, gym.others, "Di"), gym.thursday)
    f.future_absence(db, gym.bea, gym.thursday, DEC_3)
    db.commit()
    assert open_seats_on(db, gym.thursday, DEC_3) == 1  # Bea's seat, lent for the day
    assert open_seats_from(db, gym.thursday, DEC_3) == 0
    every = paths(gym)
    with pytest.raises(ValidationError, match="full"):
        every["transfer"](db)
    db.rollback()
    every["makeup"](db)
    for name in ("punch-pass drop-in", "approved makeup request", "transfer"):
        with pytest.raises(ValidationError, match="full"):
            every[name](db)
        db.rollback()
    # Bea (away that day), Cy, Di and Noa's visit
    assert in_class_on(db, gym.thursday, DEC_3) == 4


def test_a_visit_booked_later_in_the_term_blocks_a_regular_place_from_today(
    db: Session, gym: Gym
) -> None:
    f.drop_in(db, gym.students["Zed"], gym.thursday, DEC_10)
    db.commit()
    assert open_seats_on(db, gym.thursday, NOV_26) == 1
    assert open_seats_from(db, gym.thursday, NOV_26) == 0
    [option] = transfer_options(db, gym.desk, gym.places["Maya"].id, gym.north.id)
    assert (option.seats_left, option.available) == (0, False)
    with pytest.raises(ValidationError, match="full"):
        paths(gym)["transfer a week earlier"](db)


def test_an_overbooked_meeting_reads_as_over_capacity_not_zero(db: Session, gym: Gym) -> None:
    for name in ("Di", "Ed"):  # seats booked before the rule, or capacity lowered by staff
        f.enroll(db, f.student(db, gym.others, name), gym.thursday)
    db.commit()
    assert open_seats_on(db, gym.thursday, DEC_3) == -1
    drop_ins = punch_options(db, gym.desk, gym.pass_id, DEC_3)
    assert [(o.class_name, o.open_seats, o.why_not) for o in drop_ins] == [
        ("Thursday Tumblers", -1, "class full")
    ]
    makeups = makeup_options(db, gym.guardian, gym.token_id)
    assert {o.open_seats for o in makeups if o.class_id == gym.thursday.id} == {-1}
    [option] = transfer_options(db, gym.desk, gym.places["Maya"].id, gym.north.id)
    assert option.seats_left == -1


def test_racing_processes_on_every_path_never_exceed_the_capacity(
    db: Session, db_url: str, gym: Gym, frozen_clock: datetime
) -> None:
    racing = list(calls(gym).values())
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(len(racing)), spawn.Queue()
    racers = [
        spawn.Process(target=book_in_process, args=(db_url, frozen_clock, barrier, results, i, c))
        for i, c in enumerate(racing)
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=180) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["booked"] + ["refused"] * 5, (
        outcomes
    )
    assert all("full" in o for o in outcomes.values() if o.startswith("refused")), outcomes
    assert in_class_on(db, gym.thursday, DEC_3) == 3
