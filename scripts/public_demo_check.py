"""Refuse to serve the demo accounts beyond this machine unless the owner confirms it.

    .venv/bin/python -m scripts.public_demo_check 0.0.0.0   # exit 1 and a warning: refused

The demo sign-ins and their password are printed in the README, so a server that listens on
a non-loopback address with them in its database lets anyone on the network in as an admin.
`make run` (scripts/serve.sh) calls this before it starts; CARTWHEEL_ALLOW_PUBLIC_DEMO=1
serves anyway, with the warning.
"""

from __future__ import annotations

import ipaddress
import os
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import load_secrets_file
from data.db import session_scope
from data.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from data.models import User
from services.accounts.passwords import verify_password

ALLOW_ENV = "CARTWHEEL_ALLOW_PUBLIC_DEMO"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(address: str) -> bool:
    """True only for an address no other machine can reach ("" binds every interface)."""
    name = address.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name or "": it may be reachable from elsewhere


def demo_logins_with_demo_password(db: Session) -> list[str]:
    """The README's demo sign-ins that still work with the published password."""
    emails = [email for email, _ in DEMO_LOGINS]
    users = db.scalars(select(User).where(User.email.in_(emails))).all()
    return sorted(u.email for u in users if verify_password(u.password_hash, DEMO_PASSWORD))


def public_demo_problem(address: str, open_logins: list[str], allowed: bool) -> tuple[str, bool]:
    """(warning, refuse): no warning on loopback or without usable demo sign-ins."""
    if is_loopback(address) or not open_logins:
        return "", False
    warning = (
        f"WARNING: serving on {address or 'every interface'}, reachable from other machines, "
        f"while the demo sign-ins ({', '.join(open_logins)}) still accept the password "
        f"printed in the README. Anyone who can reach this server can sign in as them."
    )
    if allowed:
        return warning + f" ({ALLOW_ENV}=1: serving anyway.)", False
    return (
        warning + f" Refusing to start. Serve on 127.0.0.1, change those passwords, or set "
        f"{ALLOW_ENV}=1 to serve the demo publicly anyway."
    ), True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    address = argv[0]
    if is_loopback(address):
        return 0
    load_secrets_file()
    with session_scope() as db:
        open_logins = demo_logins_with_demo_password(db)
    warning, refuse = public_demo_problem(address, open_logins, os.environ.get(ALLOW_ENV) == "1")
    if warning:
        print(warning, file=sys.stderr)
    return 1 if refuse else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
