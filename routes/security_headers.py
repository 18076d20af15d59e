"""Security headers on every HTTP response the server sends: pages, Streamlit's static files
and /_stcore/* endpoints, components, and Cartwheel's own routes (an ASGI middleware that
st.App puts in front of everything, see app.py).

The Content-Security-Policy is as strict as Streamlit 1.67's frontend allows:
- scripts only from this server, Stripe.js, and by hash the one inline script in Streamlit's
  index.html (computed from the installed file, so an upgrade keeps working) and the sign-in
  cookie bridges (components/auth.py);
- inline styles are allowed because Streamlit's frontend styles itself at run time (emotion);
- images and workers may be data:/blob: (charts, the data grid, downloads); images also from
  Google's font server, where Streamlit fetches a `:material/…:` page icon for the favicon;
- frames: the card element (a same-origin component) and Stripe's frames;
- no plugins, no <base> tag tricks, forms post only here, and no other site may frame us.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import streamlit
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.billing.payments import STRIPE_JS_URL

STREAMLIT_INDEX = Path(streamlit.__file__).resolve().parent / "static" / "index.html"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
# Stripe's published CSP needs (https://docs.stripe.com/security/guide#content-security-policy).
STRIPE_SCRIPT = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAME = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT = ("https://api.stripe.com",)
MATERIAL_ICONS = "https://fonts.gstatic.com"
HSTS = "max-age=31536000; includeSubDomains"


def script_hash(body: str) -> str:
    """The CSP source that allows an inline script with exactly this text."""
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_script_hashes(index_html: Path = STREAMLIT_INDEX) -> list[str]:
    """CSP hash sources for Streamlit's index.html inline scripts and Cartwheel's own."""
    from components.auth import BRIDGE_SCRIPTS  # the page side; imported only when needed

    bodies = [*_INLINE_SCRIPT.findall(index_html.read_text(encoding="utf-8")), *BRIDGE_SCRIPTS]
    return [script_hash(body) for body in bodies]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(stripe_js_url: str) -> str:
    """The policy for a server whose card form loads Stripe.js from `stripe_js_url`."""
    if _origin(stripe_js_url) == _origin(STRIPE_JS_URL):
        script, frame, connect = STRIPE_SCRIPT, STRIPE_FRAME, STRIPE_CONNECT
    else:  # a Stripe stand-in (localstripe in the demo and tests) serves everything itself
        script = frame = connect = (_origin(stripe_js_url),)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *inline_script_hashes(), *script],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", MATERIAL_ICONS],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "data:", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", *connect],
        "frame-src": ["'self'", *frame],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@cache
def security_headers(stripe_js_url: str, secure: bool) -> tuple[tuple[bytes, bytes], ...]:
    headers = {
        "content-security-policy": content_security_policy(stripe_js_url),
        "x-frame-options": "SAMEORIGIN",
        "x-content-type-options": "nosniff",
        # Calendar links carry a token in their path: never leak it to another site.
        "referrer-policy": "no-referrer",
    }
    if secure:
        headers["strict-transport-security"] = HSTS
    return tuple(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


def headers_from_env() -> tuple[tuple[bytes, bytes], ...]:
    """The headers for the current configuration (the same variables as the gateway reads)."""
    return security_headers(
        os.environ.get("CARTWHEEL_STRIPE_JS_URL", "").strip() or STRIPE_JS_URL,
        os.environ.get("CARTWHEEL_SECURE_COOKIES") == "1",
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, replacing any of the same name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = headers_from_env()
        names = {name for name, _ in added}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + list(added)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
