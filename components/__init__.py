"""Reusable Streamlit pieces. No SQL and no business rules: those live in services/."""
