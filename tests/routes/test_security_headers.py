"""Every response of the real server (pages, Streamlit's static files and endpoints, the card
element, Cartwheel's routes) carries the security headers (routes/security_headers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from data.migrate import upgrade
from routes.security_headers import content_security_policy, inline_script_hashes
from tests.browser.conftest import start_app

STRICT = {
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
STATIC_FILE = "/favicon.png"
CARD_ELEMENT = "/component/components.card_element.card_element/index.html"
REQUESTS = [
    ("GET", "/"),
    ("GET", STATIC_FILE),
    ("GET", "/_stcore/health"),
    ("GET", "/healthz"),
    ("POST", "/auth/session"),
    ("POST", "/auth/sign-out"),
    ("GET", "/calendar/not-a-token.ics"),
    ("POST", "/webhooks/stripe"),
    ("GET", CARD_ELEMENT),
]


def _serve(tmp_path: Path, env: dict[str, str]) -> Iterator[str]:
    database_url = f"sqlite:///{tmp_path / 'headers.db'}"
    upgrade(database_url)
    process, url = start_app(database_url, tmp_path / "streamlit.log", env)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, {"CARTWHEEL_SECURE_COOKIES": "0"})


@pytest.fixture
def secure_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, {"CARTWHEEL_SECURE_COOKIES": "1"})


def _response(url: str, method: str, path: str) -> requests.Response:
    return requests.request(method, url + path, timeout=10, allow_redirects=False)


def test_every_response_carries_the_security_headers(server: str) -> None:
    for method, path in REQUESTS:
        response = _response(server, method, path)
        assert response.status_code < 500, (path, response.status_code)
        for name, value in STRICT.items():
            assert response.headers.get(name) == value, (path, name)
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'self'" in policy, path
        assert "object-src 'none'" in policy, path
        assert "'unsafe-eval'" not in policy, path
        assert "strict-transport-security" not in response.headers, path
    assert _response(server, "GET", STATIC_FILE).status_code == 200


def test_hsts_only_when_secure_cookies_are_on(secure_server: str) -> None:
    for method, path in REQUESTS:
        response = _response(secure_server, method, path)
        assert response.headers.get("strict-transport-security", "").startswith("max-age="), path


def test_scripts_are_limited_to_this_server_streamlit_s_inline_script_and_stripe() -> None:
    directives = dict(
        part.strip().split(" ", 1)
        for part in content_security_policy("https://js.stripe.com/v3/").split(";")
    )
    script = directives["script-src"].split()
    assert "'unsafe-inline'" not in script
    assert script[0] == "'self'" and "https://js.stripe.com" in script
    assert len(inline_script_hashes()) == 3  # Streamlit 1.67's index.html has one, ours two
    assert set(inline_script_hashes()) <= set(script)
    assert "https://api.stripe.com" in directives["connect-src"]
    local = dict(
        part.strip().split(" ", 1)
        for part in content_security_policy("http://127.0.0.1:8420/js.stripe.com/v3/").split(";")
    )
    assert "http://127.0.0.1:8420" in local["script-src"]
    assert "https://js.stripe.com" not in local["script-src"]
