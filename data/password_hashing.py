"""The password hash every account uses (argon2id). Here, below services/, because the demo
generator stores hashed demo passwords too; the password rules and verification are
services.accounts.passwords."""

from __future__ import annotations

from argon2 import PasswordHasher, Type

# OWASP's argon2id configuration (19 MiB, 2 passes, 1 lane): about 20 ms per hash on these
# cores. Chosen over RFC 9106's 64 MiB / 3 passes (150 ms) for small self-hosted servers:
# each sign-in in progress holds the memory (50 at once: 1 GB, not 3 GB), the CPU an
# attacker can make the server spend per guess is 7x smaller, and a parent's sign-in fits
# in 300 ms (docs/decisions.md, "Passwords"). Stored hashes move to it at their next sign-in.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1

HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)


def hash_password(password: str) -> str:
    return HASHER.hash(password)
