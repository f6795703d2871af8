"""Password hashing: bcrypt at one work factor, for accounts and one-time links alike."""

from __future__ import annotations

import functools
import os
import secrets

import bcrypt

from plpcore import checks

# bcrypt's work factor. Tests lower it (PLP_BCRYPT_ROUNDS=4) to stay fast; never lower it in production.
BCRYPT_ROUNDS = max(4, int(os.environ.get("PLP_BCRYPT_ROUNDS", "12")))
# What an invited account holds until its person chooses a password by the welcome link: no
# password matches it (it is not a bcrypt hash).
NO_PASSWORD_YET = "!invited: choose a password by the welcome link"


def hash_password(password: str, field: str = "password") -> str:
    return bcrypt.hashpw(checks.password(password, field).encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def password_matches(password: str, password_hash: str | None) -> bool:
    """Whether the password is the one hashed. With no hash to check against (an unknown
    username, an invited account) bcrypt still does the same work against a decoy, so how long a
    refusal takes never tells whether an account exists."""
    real = password_hash.encode() if password_hash and password_hash.startswith("$2") else None
    try:
        return bcrypt.checkpw(password.encode(), real or _decoy()) and real is not None
    except ValueError:  # a malformed hash, or a password longer than bcrypt's 72 bytes
        return False


@functools.cache
def _decoy() -> bytes:
    """A hash of a random password, at the work factor real accounts have: made once per process."""
    return bcrypt.hashpw(secrets.token_bytes(18), bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
