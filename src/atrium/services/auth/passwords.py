"""Password rules and argon2id hashing; verification never raises and costs the same for anyone."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from atrium.errors import InvalidParameterValue

MIN_PASSWORD_LENGTH = 12
# The admin password older MLflow releases shipped in basic_auth.ini (GHSA-gq3w-7jj3-x7gr).
LEGACY_DEFAULT_PASSWORD = "password1234"

# argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4); stateless.
_HASHER = PasswordHasher()

# A hash of a random password nobody knows, made with the same parameters as _HASHER: verifying
# against it when the user does not exist takes as long as a real check, so timing does not
# reveal which usernames exist.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$+vvd3RxmemV9naWrjxxpLw"
    "$3JPiWQppVabSJMZHAaeT21BxqbQ/h1HhwBLt6p7rfcY"
)


def validate_new_password(password: str | None) -> str:
    """A password a user may choose; breaking a rule is INVALID_PARAMETER_VALUE."""
    if not password:
        raise InvalidParameterValue("Username and password cannot be empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidParameterValue(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if password == LEGACY_DEFAULT_PASSWORD:
        raise InvalidParameterValue(
            "This password is the insecure default that older MLflow versions shipped; "
            "choose a different password."
        )
    return password


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string, salt included) to store for ``password``."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash is simply no match."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with other parameters than today's (rehash on login)."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True
