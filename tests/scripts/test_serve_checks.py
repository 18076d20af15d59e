"""The checks `make run` (scripts/serve.sh) makes before serving: the per-install webhook
secret and the refusal to serve the demo accounts beyond this machine."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from data.demo.logins import ADMIN_EMAIL, DEMO_PASSWORD, PRIMARY_EMAIL
from data.password_hashing import hash_password
from scripts.local_secrets import webhook_secret
from scripts.public_demo_check import (
    ALLOW_ENV,
    demo_logins_with_demo_password,
    is_loopback,
    public_demo_problem,
)
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_webhook_secret_is_random_per_install_private_and_kept(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "secret", tmp_path / "b" / "secret"
    first.parent.mkdir()
    second.parent.mkdir()
    secret = webhook_secret(first)
    assert secret.startswith("whsec_") and len(secret) >= 40
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert webhook_secret(first) == secret  # kept across restarts
    assert webhook_secret(second) != secret  # another install gets its own


def test_serve_sh_has_no_fixed_webhook_secret_and_the_file_is_ignored() -> None:
    assert "whsec_cartwheel_demo" not in (ROOT / "scripts" / "serve.sh").read_text()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/stripe_webhook_secret"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 - the address under test
        ("::", False),
        ("", False),
        ("192.168.1.20", False),
        ("gym.example.com", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_public_address_with_demo_sign_ins_is_refused_unless_confirmed() -> None:
    logins = [ADMIN_EMAIL]
    warning, refuse = public_demo_problem("0.0.0.0", logins, allowed=False)  # noqa: S104
    assert refuse and "WARNING" in warning and ADMIN_EMAIL in warning and ALLOW_ENV in warning
    warning, refuse = public_demo_problem("0.0.0.0", logins, allowed=True)  # noqa: S104
    assert not refuse and "WARNING" in warning
    assert public_demo_problem("127.0.0.1", logins, allowed=False) == ("", False)
    assert public_demo_problem("0.0.0.0", [], allowed=False) == ("", False)  # noqa: S104


def test_only_demo_sign_ins_that_still_take_the_published_password_count(db: Session) -> None:
    primary = f.user(db, PRIMARY_EMAIL)
    primary.password_hash = hash_password(DEMO_PASSWORD)
    admin = f.user(db, ADMIN_EMAIL)
    admin.password_hash = hash_password("changed-by-the-owner-2026")
    f.user(db, "someone@example.com").password_hash = hash_password(DEMO_PASSWORD)
    db.commit()
    assert demo_logins_with_demo_password(db) == [PRIMARY_EMAIL]
