"""Cartwheel's entry point: `streamlit run app.py`.

`streamlit run` finds `app` below and serves the Streamlit pages together with the HTTP
routes in routes/ (sign-in cookie, health check); every response gets the security headers
(routes/security_headers.py). Each browser session runs the router
script components/shell.py, which draws the role-based navigation. (The router lives
beside the components rather than here because Streamlit treats a script that has a
`pages/` folder next to it as an old-style multipage app and would then run page files
directly, bypassing the router's sign-in check.) The lifespan starts the outbox sender
when SMTP is configured (routes/lifespan.py).
"""

import streamlit as st
from starlette.middleware import Middleware

from data.config import load_secrets_file
from routes import ROUTES
from routes.lifespan import lifespan
from routes.security_headers import SecurityHeadersMiddleware

load_secrets_file()

app = st.App(
    "components/shell.py",
    routes=ROUTES,
    middleware=[Middleware(SecurityHeadersMiddleware)],
    lifespan=lifespan,
)
