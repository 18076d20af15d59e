"""The analytics filters: period, program, level, class and instructor (the location is the
page's: one location — the picker's at the top of the page — or every one the actor sees)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.actions import run_action
from services.desk.analytics_scope import AnalyticsFilter, filter_choices
from services.kernel.access import Actor
from services.kernel.errors import ValidationError


def _pick(label: str, pairs: tuple[tuple[int, str], ...], key: str) -> int | None:
    names = dict(pairs)
    return st.selectbox(
        label, [None, *names], key=key, format_func=lambda i: "All" if i is None else names[i]
    )


def render_filters(
    actor: Actor, locations: tuple[int, ...], *, default_start: date, today: date
) -> AnalyticsFilter | None:
    """`locations`: the one location shown, or () for every location the actor sees."""
    choices = run_action(lambda db: filter_choices(db, actor, locations))
    if choices is None:
        return None
    period = st.date_input(
        "Period",
        value=(default_start, today),
        max_value=today,
        key="analytics.period",
        format="YYYY-MM-DD",
    )
    program, level, lesson, instructor = st.columns(4)
    with program:
        program_id = _pick("Program", choices.programs, "analytics.program")
    with level:
        level_id = _pick("Level", choices.levels, "analytics.level")
    with lesson:
        class_id = _pick("Class", choices.classes, "analytics.class")
    with instructor:
        who = st.selectbox(
            "Instructor",
            ["", *choices.instructors],
            key="analytics.instructor",
            format_func=lambda name: name or "All",
        )
    if len(period) != 2:
        st.info("Choose the last day of the period.")
        return None
    try:
        return AnalyticsFilter(
            start=period[0],
            end=period[1],
            location_ids=locations,
            program_id=program_id,
            level_id=level_id,
            class_id=class_id,
            instructor=who,
        )
    except ValidationError as refused:
        st.error(refused.message)
        return None
