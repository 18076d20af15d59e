"""HTTP routes served beside the Streamlit pages by `st.App` (see app.py)."""

from starlette.routing import Route

from routes.auth import sign_out_cookie, trade_grant_for_cookie
from routes.health import healthz

ROUTES = [
    Route("/auth/session", trade_grant_for_cookie, methods=["POST"]),
    Route("/auth/sign-out", sign_out_cookie, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]
