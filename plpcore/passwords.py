"""Password hashing: bcrypt at one work factor, for accounts and one-time links alike."""

from __future__ import annotations

import os

import bcrypt

from plpcore import checks

# bcrypt's work factor. Tests lower it (PLP_BCRYPT_ROUNDS=4) to stay fast; never lower it in production.
BCRYPT_ROUNDS = max(4, int(os.environ.get("PLP_BCRYPT_ROUNDS", "12")))
# What an invited account holds until its person chooses a password by the welcome link: no
# password matches it (it is not a bcrypt hash).
NO_PASSWORD_YET = "!invited: choose a password by the welcome link"


def hash_password(password: str, field: str = "password") -> str:
    return bcrypt.hashpw(checks.password(password, field).encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def password_matches(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False
