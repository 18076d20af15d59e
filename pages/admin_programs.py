"""Programs and skills (admin): programs, their levels in order and each level's skills."""

import streamlit as st

from components.actions import render_flash, run_action, run_then_rerun
from components.auth import current_actor
from components.catalog_widgets import (
    choose_ordered,
    render_archive_button,
    render_list,
    render_name_form,
    render_ordered,
    state_word,
)
from components.formatting import escape_markdown
from services.backoffice.program_levels import (
    add_level,
    add_skill,
    level_skills,
    move_level,
    move_skill,
    program_levels,
    rename_level,
    rename_skill,
    set_level_archived,
    set_skill_archived,
)
from services.backoffice.programs import (
    ProgramRow,
    create_program,
    list_programs,
    rename_program,
    set_program_archived,
)

actor = current_actor()
st.title("Programs and skills")
st.caption(
    "Each program has levels in order, each level its skills. Archived programs and levels "
    "leave parents' transfer and makeup choices, archived skills leave new evaluations; "
    "both stay in what already happened. Every change is recorded."
)
render_flash()

with st.expander("Add a program"):
    name = render_name_form("programs.add", "Program name", "Add program")
    if name is not None:
        run_then_rerun(lambda db: create_program(db, actor, name), "Program added.")

program: ProgramRow | None = render_list(
    "programs",
    "programs",
    lambda db, search, page: list_programs(db, actor, search=search, page=page),
    {"Program": lambda r: r.name, "Levels": lambda r: r.levels, "State": state_word},
)
if program is None:
    st.stop()

st.header(escape_markdown(program.name))
renamed = render_name_form(f"programs.rename.{program.id}", "Program name", "Rename", program.name)
if renamed is not None:
    run_then_rerun(lambda db: rename_program(db, actor, program.id, renamed), "Program renamed.")
archive = render_archive_button(f"programs.archive.{program.id}", program, "program")
if archive is not None:
    run_then_rerun(
        lambda db: set_program_archived(db, actor, program.id, archive),
        "Program archived." if archive else "Program restored.",
    )

st.subheader("Levels")
levels = run_action(lambda db: program_levels(db, actor, program.id)) or []
if moved := render_ordered(f"levels.{program.id}", levels, "level"):
    run_then_rerun(lambda db: move_level(db, actor, *moved), "Level moved.")
added = render_name_form(f"levels.add.{program.id}", "New level", "Add level")
if added is not None:
    run_then_rerun(lambda db: add_level(db, actor, program.id, added), "Level added.")
level = choose_ordered(f"levels.open.{program.id}", levels, "level")
if level is None:
    st.stop()

renamed_level = render_name_form(
    f"levels.rename.{level.id}", "Level name", "Rename level", level.name
)
if renamed_level is not None:
    run_then_rerun(lambda db: rename_level(db, actor, level.id, renamed_level), "Level renamed.")
archive_level = render_archive_button(f"levels.archive.{level.id}", level, "level")
if archive_level is not None:
    run_then_rerun(
        lambda db: set_level_archived(db, actor, level.id, archive_level),
        "Level archived." if archive_level else "Level restored.",
    )

st.subheader(f"Skills of {escape_markdown(level.name)}")
skills = run_action(lambda db: level_skills(db, actor, level.id)) or []
if moved_skill := render_ordered(f"skills.{level.id}", skills, "skill"):
    run_then_rerun(lambda db: move_skill(db, actor, *moved_skill), "Skill moved.")
new_skill = render_name_form(f"skills.add.{level.id}", "New skill", "Add skill")
if new_skill is not None:
    run_then_rerun(lambda db: add_skill(db, actor, level.id, new_skill), "Skill added.")
skill = choose_ordered(f"skills.open.{level.id}", skills, "skill")
if skill is not None:
    renamed_skill = render_name_form(
        f"skills.rename.{skill.id}", "Skill name", "Rename skill", skill.name
    )
    if renamed_skill is not None:
        run_then_rerun(
            lambda db: rename_skill(db, actor, skill.id, renamed_skill), "Skill renamed."
        )
    archive_skill = render_archive_button(f"skills.archive.{skill.id}", skill, "skill")
    if archive_skill is not None:
        run_then_rerun(
            lambda db: set_skill_archived(db, actor, skill.id, archive_skill),
            "Skill archived." if archive_skill else "Skill restored.",
        )
