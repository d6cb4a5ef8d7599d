"""Password rules and argon2id hashing; access-token generation and digests."""

from __future__ import annotations

import hashlib
import re

import pytest

from atrium.errors import InvalidParameterValue
from atrium.services.auth.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    validate_new_password,
    verify_password,
)
from atrium.services.auth.tokens import (
    TOKEN_PREFIX,
    digests_equal,
    looks_like_token,
    new_token,
    token_digest,
)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)  # argon2 is slow by design: hash once for the module


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, "Username and password cannot be empty."),
        ("", "Username and password cannot be empty."),
        ("short", "Password must be at least 12 characters."),
        ("x" * (MIN_PASSWORD_LENGTH - 1), "Password must be at least 12 characters."),
    ],
)
def test_password_rules(password: str | None, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        validate_new_password(password)
    assert caught.value.message == message


def test_legacy_default_password_refused() -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        validate_new_password("password1234")
    assert "insecure default" in caught.value.message
    assert validate_new_password("x" * MIN_PASSWORD_LENGTH) == "x" * MIN_PASSWORD_LENGTH


def test_hash_is_salted_argon2id_and_verifies(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not needs_rehash(stored)


def test_verify_never_raises_on_garbage() -> None:
    for garbage in ("", "not-a-hash", "$argon2id$v=19$broken", "pbkdf2:sha256:1$salt$abc"):
        assert verify_password(garbage, PASSWORD) is False
    assert needs_rehash("not-a-hash")


def test_dummy_hash_is_a_real_hash_with_current_parameters() -> None:
    assert DUMMY_HASH.startswith("$argon2id$")
    assert not needs_rehash(DUMMY_HASH)
    assert verify_password(DUMMY_HASH, PASSWORD) is False


def test_new_token_shape_and_digest() -> None:
    plaintext, digest = new_token()
    assert plaintext.startswith(TOKEN_PREFIX)
    assert len(plaintext) >= len(TOKEN_PREFIX) + 43  # 32 random bytes, urlsafe base64
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", plaintext.removeprefix(TOKEN_PREFIX))
    assert digest == hashlib.sha256(plaintext.encode()).hexdigest() == token_digest(plaintext)
    assert plaintext not in digest
    assert looks_like_token(plaintext) and not looks_like_token("Basic abc")
    assert not looks_like_token(TOKEN_PREFIX)


def test_tokens_are_unique() -> None:
    tokens = {new_token()[0] for _ in range(200)}
    assert len(tokens) == 200


def test_digests_equal() -> None:
    digest = token_digest("atr_x")
    assert digests_equal(digest, token_digest("atr_x"))
    assert not digests_equal(digest, token_digest("atr_y"))
    assert not digests_equal(digest, digest[:-1])
