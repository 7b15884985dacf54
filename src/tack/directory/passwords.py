"""argon2 hashing, run off the event loop because each hash costs tens of milliseconds."""

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
# Verified against when the account does not exist, so that a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("tack-dummy-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def is_weak(password: str) -> bool:
    return len(password) < MIN_LENGTH


def generate_password() -> str:
    # Readable when dictated over the phone: no 0/O or 1/l.
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
