"""Business rules and access checks. Plain Python: never imports streamlit."""
