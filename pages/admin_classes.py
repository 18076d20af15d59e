"""Classes (admin): the schedule of one location — add a class, edit one, archive or restore
it. Capacity never drops below the seats already held (the service says how many)."""

import streamlit as st

from components.actions import render_flash, run_action, run_then_rerun
from components.auth import current_actor
from components.class_form import render_class_form
from components.class_list import pick_class, render_class_list
from components.location_picker import selected_location_id
from data.db import session_scope
from services.backoffice.class_list import instructor_choices, level_choices
from services.backoffice.classes import (
    archive_class,
    class_values,
    create_class,
    restore_class,
    update_class,
)
from services.backoffice.terms import list_terms

actor = current_actor()
st.title("Classes")
render_flash()
location_id = selected_location_id()
if location_id is None:
    st.info("Choose a location at the top of the page to manage its classes.")
    st.stop()
with session_scope() as db:
    levels, instructors = level_choices(db, actor), instructor_choices(db, actor)
    terms = list_terms(db, actor)
archived = st.toggle("Show archived classes", key="admin_classes.archived")
page = render_class_list(actor, location_id, "admin_classes", archived=archived)
new, edit = st.tabs(["New class", "Edit a class"])
with new:
    typed = render_class_form("admin_classes.new", location_id, levels, instructors, terms)
    if typed is not None:
        run_then_rerun(lambda db: create_class(db, actor, typed), "Class added.")
with edit:
    row = pick_class(page, "admin_classes") if page is not None else None
    if row is None:
        st.caption("No class to edit here.")
        st.stop()
    current = run_action(lambda db: class_values(db, actor, row.class_id))
    if current is not None:
        typed = render_class_form(
            f"admin_classes.edit.{row.class_id}", location_id, levels, instructors, terms, current
        )
        if typed is not None:
            run_then_rerun(lambda db: update_class(db, actor, row.class_id, typed), "Class saved.")
    if row.is_active and st.button("Archive this class", key="admin_classes.archive"):
        run_then_rerun(
            lambda db: archive_class(db, actor, row.class_id),
            f"{row.name} is archived: it takes no new students; its history stays.",
        )
    if not row.is_active and st.button("Restore this class", key="admin_classes.restore"):
        run_then_rerun(lambda db: restore_class(db, actor, row.class_id), f"{row.name} is back.")
