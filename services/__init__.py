"""Business rules and access checks, one package per part of the business (services/README.md).
Plain Python: never imports streamlit."""
