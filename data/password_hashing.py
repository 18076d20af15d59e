"""The password hash every account uses (argon2id). Here, below services/, because the demo
generator stores hashed demo passwords too; the password rules and verification are
services.accounts.passwords."""

from __future__ import annotations

from argon2 import PasswordHasher, Type

# RFC 9106's second recommended option (64 MiB, 3 passes); about 0.1 s per hash on 2 cores.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
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
