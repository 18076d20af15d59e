"""Programs and skills (front desk, read-only): each program's levels in order and each
level's skills. Administrators change them on Back office → Programs and skills."""

import streamlit as st

from components.actions import run_action
from components.auth import current_actor
from components.catalog_widgets import (
    choose_ordered,
    render_archived_toggle,
    render_list,
    render_ordered_names,
    state_word,
)
from components.formatting import escape_markdown
from services.backoffice.program_levels import level_skills, program_levels
from services.backoffice.programs import ProgramRow, list_programs

actor = current_actor()
st.title("Programs and skills")
st.caption("What the gym teaches, read-only. An administrator changes it.")
archived = render_archived_toggle("gym_programs", "programs, levels and skills")
program: ProgramRow | None = render_list(
    "gym_programs",
    "programs",
    lambda db, search, page: list_programs(
        db, actor, search=search, page=page, include_archived=archived
    ),
    {"Program": lambda r: r.name, "Levels": lambda r: r.levels, "State": state_word},
)
if program is None:
    st.stop()
st.header(f"Levels of {escape_markdown(program.name)}")
levels = (
    run_action(lambda db: program_levels(db, actor, program.id, include_archived=archived)) or []
)
render_ordered_names(levels, "level")
level = choose_ordered(f"gym_programs.level.{program.id}", levels, "level")
if level is not None:
    st.subheader(f"Skills of {escape_markdown(level.name)}")
    skills = (
        run_action(lambda db: level_skills(db, actor, level.id, include_archived=archived)) or []
    )
    render_ordered_names(skills, "skill")
