"""The demo's fixed sign-ins. The README, `make run` and the tests print and use these."""

from __future__ import annotations

DEMO_PASSWORD = "cartwheel-demo"  # noqa: S105 - a published demo password, on purpose
DEMO_SURNAME = "Garcia"
DEMO_FAMILY_NAME = f"{DEMO_SURNAME} family"  # families.name of the demo family
PRIMARY_EMAIL = "primary@example.com"
SECONDARY_EMAIL = "secondary@example.com"
STAFF_EMAIL = "staff@example.com"
ADMIN_EMAIL = "admin@example.com"

DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    (PRIMARY_EMAIL, f"primary guardian of the {DEMO_FAMILY_NAME} (may pay)"),
    (SECONDARY_EMAIL, f"secondary guardian of the {DEMO_FAMILY_NAME} (may not pay)"),
    (STAFF_EMAIL, "staff at Northside (one location)"),
    (ADMIN_EMAIL, "admin (all locations)"),
)
