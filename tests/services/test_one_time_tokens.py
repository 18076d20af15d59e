"""E-mailed links: the portal's public address and the link shape."""

from __future__ import annotations

import pytest

from data.config import public_base_url
from services.accounts.one_time_tokens import link, public_address
from services.kernel.errors import ValidationError


def test_public_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTWHEEL_BASE_URL", raising=False)
    assert public_base_url() == "http://localhost:8501"
    monkeypatch.setenv("CARTWHEEL_BASE_URL", " https://portal.northside.example/ ")
    assert public_base_url() == "https://portal.northside.example"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://portal.example.com", "https://portal.example.com/?reset=tok-EN_1"),
        ("https://portal.example.com/", "https://portal.example.com/?reset=tok-EN_1"),
        ("http://localhost:8501", "http://localhost:8501/?reset=tok-EN_1"),
        ("https://gym.example/portal/", "https://gym.example/portal/?reset=tok-EN_1"),
    ],
)
def test_links_sit_on_the_public_address(base: str, expected: str) -> None:
    assert link(base, "reset", "tok-EN_1") == expected


@pytest.mark.parametrize(
    "base",
    [
        "",
        "   ",
        "localhost:8501",
        "ftp://portal",
        "javascript:alert(1)",
        "https://",
        "https://a/?x=1",
        "https://a/#top",
        None,
    ],
)
def test_anything_but_a_plain_http_address_is_refused(base: object) -> None:
    with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
        public_address(base)  # type: ignore[arg-type]
