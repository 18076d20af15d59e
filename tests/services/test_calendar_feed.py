"""The private iCalendar feed of a student's next eight weeks."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import EnrollmentStatus, EnrollmentType
from services.classes.calendar_feed import (
    calendar_ics,
    escape_text,
    fold_line,
    student_calendar_url_token,
)
from services.kernel import signing
from tests import factories as f
from tests.support.queries import count_queries


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    f.use_test_secret_key(monkeypatch)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    return f.family_gym(db)


def feed(db: Session, gym: f.FamilyGym, student_id: int | None = None) -> str:
    token = student_calendar_url_token(db, gym.guardian, student_id or gym.maya.id)
    ics = calendar_ics(db, token)
    assert ics is not None
    return ics


def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")[:-1]


def events(ics: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for line in unfold(ics):
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT" and ":" in line:
            name, _, value = line.partition(":")
            found[-1].setdefault(name, value)
    return [e for e in found if e]


def test_the_feed_is_a_valid_calendar_of_the_next_meetings(db: Session, gym: f.FamilyGym) -> None:
    ics = feed(db, gym)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # CRLF everywhere, no bare line feeds
    found = events(ics)
    # Tuesdays 16:00–17:00 in Chicago (UTC−6) until the term ends on 20 December.
    assert [(e["DTSTART"], e["DTEND"]) for e in found] == [
        ("20261124T220000Z", "20261124T230000Z"),
        ("20261201T220000Z", "20261201T230000Z"),
        ("20261208T220000Z", "20261208T230000Z"),
        ("20261215T220000Z", "20261215T230000Z"),
    ]
    first = found[0]
    assert first["SUMMARY"] == "Maya: Tumblers"
    assert first["LOCATION"] == "Northside\\, Springfield"
    assert first["DESCRIPTION"].endswith("\\nInstructor: Coach Dana")
    assert first["DTSTAMP"] == "20261124T150000Z"
    assert (first["STATUS"], first["TRANSP"]) == ("CONFIRMED", "OPAQUE")
    assert len({e["UID"] for e in found}) == 4
    assert all(re.fullmatch(r"enrollment-\d+-\d{8}@cartwheel", e["UID"]) for e in found)
    assert feed(db, gym) == ics  # stable UIDs: a refresh changes nothing


def test_absences_and_makeups_are_in_the_feed(db: Session, gym: f.FamilyGym) -> None:
    f.future_absence(db, gym.maya, gym.cls, date(2026, 12, 1))
    f.future_absence(db, gym.maya, gym.cls, date(2026, 12, 8), cancelled=True)
    thursday = f.gym_class(db, gym.north, weekday=3, name="Open gym")
    f.enroll(db, gym.maya, thursday, type=EnrollmentType.MAKEUP, start=date(2026, 12, 3))
    f.enroll(db, gym.maya, thursday, type=EnrollmentType.MAKEUP, start=date(2026, 11, 19))  # past
    found = events(feed(db, gym))
    by_start = {e["DTSTART"]: e for e in found}
    assert len(found) == 5
    absent = by_start["20261201T220000Z"]
    assert absent["SUMMARY"] == "Maya: Tumblers (absent)"
    assert absent["TRANSP"] == "TRANSPARENT"
    assert "absent" in absent["DESCRIPTION"]
    assert by_start["20261208T220000Z"]["SUMMARY"] == "Maya: Tumblers"  # cancelled absence
    assert by_start["20261203T220000Z"]["SUMMARY"] == "Maya: Makeup – Open gym"


def test_only_current_places_within_eight_weeks(db: Session, gym: f.FamilyGym) -> None:
    kai = f.student(db, gym.family, "Kai")
    f.enroll(db, kai, gym.cls, end=date(2026, 12, 1))  # ends after two meetings
    saturday = f.gym_class(db, gym.north, weekday=5, name="Saturday trial")
    saturday.term_end = date(2027, 6, 30)
    f.enroll(db, kai, saturday, type=EnrollmentType.TRIAL, start=date(2026, 12, 5))
    waitlist = f.gym_class(db, gym.north, weekday=0, name="Waitlist")
    f.enroll(db, kai, waitlist, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    dropped = f.gym_class(db, gym.north, weekday=4, name="Dropped")
    f.enroll(db, kai, dropped, status=EnrollmentStatus.DROPPED, end=date(2026, 11, 20))
    retired = f.gym_class(db, gym.north, weekday=2, name="Retired")
    retired.is_active = False
    f.enroll(db, kai, retired)
    summaries = [(e["DTSTART"][:8], e["SUMMARY"]) for e in events(feed(db, gym, kai.id))]
    saturdays = [s for s in summaries if s[1] == "Kai: Saturday trial"]
    assert summaries[:2] == [("20261124", "Kai: Tumblers"), ("20261201", "Kai: Tumblers")]
    # 5 December to 16 January: the last Saturday before 24 November + 56 days.
    assert (saturdays[0][0], saturdays[-1][0], len(saturdays)) == ("20261205", "20270116", 7)
    assert len(summaries) == 9


def test_each_location_s_own_time_zone_and_today(db: Session, gym: f.FamilyGym) -> None:
    tokyo = f.location(db, "Tokyo", "Asia/Tokyo")
    tuesday = f.gym_class(db, tokyo, weekday=1, start=time(18, 0), end=time(19, 0))
    kai = f.student(db, gym.family, "Kai")
    f.enroll(db, kai, tuesday)
    # It is already 25 November in Tokyo, so the next meeting there is 1 December.
    first = events(feed(db, gym, kai.id))[0]
    assert (first["DTSTART"], first["DTEND"]) == ("20261201T090000Z", "20261201T100000Z")


def test_text_is_escaped_and_long_lines_folded(db: Session, gym: f.FamilyGym) -> None:
    gym.cls.name = 'Flips, tricks; and \\ backslashes\nsecond line "quoted"'
    gym.cls.instructor_name = "Zoë 李 " * 20
    gym.north.name = "North; side, the one\r\nby the lake"
    ics = feed(db, gym)
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    first = events(ics)[0]
    assert first["SUMMARY"] == (
        'Maya: Flips\\, tricks\\; and \\\\ backslashes\\nsecond line "quoted"'
    )
    assert first["LOCATION"] == "North\\; side\\, the one\\nby the lake\\, Springfield"
    assert first["DESCRIPTION"].endswith("\\nInstructor: " + "Zoë 李 " * 20)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
        ("bell\x07 and tab\t", "bell and tab"),
        ("\\n", "\\\\n"),  # a literal backslash-n is not a newline
    ],
)
def test_escape_text(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


@pytest.mark.parametrize("text", ["a" * 200, "é" * 100, "李" * 80, "🤸" * 50, "x" + "é" * 80])
def test_fold_line_never_splits_a_character(text: str) -> None:
    line = f"SUMMARY:{text}"
    folded = fold_line(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line


def test_short_lines_are_not_folded() -> None:
    assert fold_line("X" * 75) == "X" * 75
    assert fold_line("X" * 76) == "X" * 75 + "\r\n X"


def test_the_feed_takes_a_fixed_number_of_queries(
    db: Session, engine: Engine, gym: f.FamilyGym
) -> None:
    def queries_for(classes: int) -> int:
        kid, held = f.kid_in_classes(db, gym, classes)
        for cls in held:
            f.future_absence(db, kid, cls, date(2026, 11, 30) + timedelta(days=cls.weekday))
        token = student_calendar_url_token(db, gym.guardian, kid.id)
        db.commit()  # each count in a new transaction: settings are read once per transaction
        db.expire_all()
        with count_queries(engine) as statements:
            assert calendar_ics(db, token)
        return len([sql for sql in statements if not sql.startswith("BEGIN")])

    # student, absences, places, closed days, settings
    assert queries_for(1) == queries_for(6) == 5


def test_bad_tokens_give_no_feed(db: Session, gym: f.FamilyGym) -> None:
    token = student_calendar_url_token(db, gym.guardian, gym.maya.id)
    for bad in [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace(f"{gym.maya.id}.", f"{gym.other_student.id}.", 1),
        signing.sign("checkin", str(gym.maya.id)),  # a check-in signature
        signing.sign("ical", "999999"),  # no such student
        signing.sign("ical", "abc"),
        signing.sign("ical", "-1"),
        str(gym.maya.id),
        "",
        "x" * 10_000,
        None,
    ]:
        assert calendar_ics(db, bad) is None, bad  # type: ignore[arg-type]


def test_a_student_who_left_has_no_feed(db: Session, gym: f.FamilyGym) -> None:
    token = student_calendar_url_token(db, gym.guardian, gym.maya.id)
    gym.maya.is_active = False
    assert calendar_ics(db, token) is None


def test_a_student_without_classes_has_an_empty_calendar(db: Session, gym: f.FamilyGym) -> None:
    kai = f.student(db, gym.family, "Kai")
    ics = feed(db, gym, kai.id)
    assert "BEGIN:VEVENT" not in ics and "X-WR-CALNAME:Kai – Cartwheel Gym" in ics


def test_token_access(db: Session, gym: f.FamilyGym) -> None:
    tokens = {
        student_calendar_url_token(db, actor, gym.maya.id)
        for actor in (gym.guardian, gym.second, gym.desk, gym.admin)
    }
    assert len(tokens) == 1
    f.check_student_scope(gym, lambda actor, sid: student_calendar_url_token(db, actor, sid))
