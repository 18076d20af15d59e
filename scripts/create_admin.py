"""Create the first administrator of a new install (asks for the password).

.venv/bin/python -m scripts.create_admin owner@example.com "Pat Owner"
"""

from __future__ import annotations

import getpass
import sys

from data.db import session_scope
from services.accounts.staff_accounts import bootstrap_admin
from services.kernel.errors import DomainError


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    email, name = argv
    password = getpass.getpass("Password for the new administrator: ")
    if password != getpass.getpass("Same password again: "):
        print("The passwords do not match.")
        return 1
    try:
        with session_scope() as db:
            bootstrap_admin(db, email, name, password)
    except DomainError as refused:
        print(refused.message)
        return 1
    print(f"Administrator {email} created. Sign in at the app's address.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
