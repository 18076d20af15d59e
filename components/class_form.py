"""The class form (new class or edit): every value goes to the service as typed, which
checks it (a client can forge any widget value). The term is picked from the active terms
(above the form, so the typed dates appear only for "Other dates")."""

from __future__ import annotations

from datetime import time

import streamlit as st

from services.backoffice.class_list import Choice
from services.backoffice.classes import ClassInput
from services.backoffice.terms import TermRow
from services.kernel.schedule import WEEKDAY_NAMES

NO_INSTRUCTOR = 0
OTHER_DATES = 0  # a class outside any term: its dates are typed
BLANK = ClassInput(
    location_id=None,
    level_id=None,
    name="",
    weekday=0,
    start_time=time(16, 0),
    length_minutes=60,
    term_start=None,
    term_end=None,
    capacity=8,
    tuition="",
    instructor_user_id=NO_INSTRUCTOR,
)


def render_class_form(
    key: str,
    location_id: int,
    levels: list[Choice],
    instructors: list[Choice],
    terms: list[TermRow],
    current: ClassInput | None = None,
) -> ClassInput | None:
    """The form; returns what was typed when it is submitted, else None."""
    if not levels:
        st.info("Add a program with a level first: every class teaches one level.")
        return None
    level_names = {c.id: c.label for c in levels}
    people = {NO_INSTRUCTOR: "No instructor yet", **{c.id: c.label for c in instructors}}
    v = current or BLANK
    term_id = _pick_term(key, terms, v if current else None)
    with st.form(key):
        name = st.text_input("Class name", value=str(v.name), max_chars=120)
        level_id = st.selectbox(
            "Program and level",
            list(level_names),
            index=_index(list(level_names), v.level_id),
            format_func=level_names.__getitem__,
        )
        day, start, length = st.columns(3)
        weekday = day.selectbox(
            "Weekday",
            range(7),
            index=int(v.weekday),  # type: ignore[call-overload]
            format_func=WEEKDAY_NAMES.__getitem__,
        )
        start_time = start.time_input("Starts at", value=v.start_time, step=300)
        minutes = length.number_input(
            "Length (minutes)",
            min_value=15,
            max_value=480,
            step=5,
            value=int(v.length_minutes),  # type: ignore[call-overload]
        )
        term_start = term_end = None
        if term_id == OTHER_DATES:
            first, last = st.columns(2)
            term_start = first.date_input("Term starts", value=v.term_start, format="YYYY-MM-DD")
            term_end = last.date_input("Term ends", value=v.term_end, format="YYYY-MM-DD")
        seats, youngest, oldest = st.columns(3)
        capacity = seats.number_input(
            "Capacity",
            min_value=1,
            max_value=500,
            step=1,
            value=int(v.capacity),  # type: ignore[call-overload]
        )
        min_age = youngest.number_input(
            "Youngest age",
            min_value=0,
            max_value=99,
            step=1,
            value=v.min_age,
        )
        max_age = oldest.number_input(
            "Oldest age",
            min_value=0,
            max_value=99,
            step=1,
            value=v.max_age,
        )
        tuition = st.text_input("Monthly tuition", value=str(v.tuition), max_chars=20)
        instructor = st.selectbox(
            "Instructor",
            list(people),
            index=_index(list(people), v.instructor_user_id),
            format_func=people.__getitem__,
        )
        if not st.form_submit_button("Save class", type="primary"):
            return None
    return ClassInput(
        location_id=location_id,
        level_id=level_id,
        name=name,
        weekday=weekday,
        start_time=start_time,
        length_minutes=minutes,
        term_start=term_start,
        term_end=term_end,
        capacity=capacity,
        tuition=tuition,
        instructor_user_id=None if instructor == NO_INSTRUCTOR else instructor,
        min_age=min_age,
        max_age=max_age,
        term_id=None if term_id == OTHER_DATES else term_id,
    )


def _pick_term(key: str, terms: list[TermRow], current: ClassInput | None) -> int:
    """The active terms and "Other dates"; a new class starts on the first term, a class
    whose dates match no active term on "Other dates"."""
    labels = {t.id: t.label for t in terms}
    labels[OTHER_DATES] = "Other dates (no term)"
    options = list(labels)
    default = current.term_id if current else options[0]
    return st.selectbox(
        "Term",
        options,
        index=_index(options, default if default is not None else OTHER_DATES),
        format_func=labels.__getitem__,
        key=f"{key}.term",
        help="The class runs from the term's first day to its last. Add terms on Terms.",
    )


def _index(options: list[int], value: object) -> int:
    return options.index(value) if value in options else 0
