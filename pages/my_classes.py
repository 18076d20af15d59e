"""My classes (instructors): the classes I teach and who is in them."""

import streamlit as st

from components.actions import run_action
from components.auth import current_actor
from components.formatting import escape_markdown
from services.classes.instructor_classes import my_classes

actor = current_actor()
st.title("My classes")
classes = run_action(lambda db: my_classes(db, actor))
if classes is not None and not classes:
    st.info("You are not the instructor of any class yet.")
for cls in classes or []:
    enrolled = [entry for entry in cls.roster if not entry.waitlisted]
    waiting = [entry for entry in cls.roster if entry.waitlisted]
    with st.container(border=True):
        st.header(escape_markdown(cls.name))
        st.caption(
            f"{cls.weekday} {cls.start_time:%H:%M}–{cls.end_time:%H:%M} · "
            f"{escape_markdown(cls.location)} · {len(enrolled)} of {cls.capacity} places"
        )
        for entry in enrolled:
            note = f" — {entry.medical_notes}" if entry.medical_notes else ""
            st.markdown("- " + escape_markdown(entry.name + note))
        if waiting:
            st.caption("Waitlist: " + escape_markdown(", ".join(e.name for e in waiting)))
