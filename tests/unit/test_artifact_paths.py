"""Path safety of artifact keys: normalisation, traversal tricks, and a never-escape property."""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atrium.errors import InvalidParameterValue
from atrium.stores.artifacts.paths import MAX_PATH_LENGTH, join_key, safe_artifact_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("a", "a"),
        ("a/b/", "a/b"),
        ("a//b///c", "a/b/c"),
        ("1/abc123/artifacts/model/MLmodel", "1/abc123/artifacts/model/MLmodel"),
        ("a.b/...", "a.b/..."),  # dots inside names are fine; only "." and ".." segments are not
        ("..a/b..", "..a/b.."),
        ("a b/ü/日本.txt", "a b/ü/日本.txt"),
        ("2024-01-01T10:00:00.json", "2024-01-01T10:00:00.json"),
        ("100%", "100%"),
        ("a%20b", "a%20b"),  # kept literally: the router has already decoded the URL once
        ("a%2eb", "a%2eb"),  # an encoded dot inside a name is harmless
        ("%zz", "%zz"),
        ("%ff", "%ff"),
        ("~/x", "~/x"),
        ("x" * MAX_PATH_LENGTH, "x" * MAX_PATH_LENGTH),
    ],
)
def test_accepts_and_normalises(raw: str | None, expected: str) -> None:
    assert safe_artifact_path(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        # dot segments
        "..",
        "../x",
        "a/..",
        "a/../b",
        "a/../../etc/passwd",
        "/../x",
        ".",
        "./a",
        "a/./b",
        "a/.",
        # Windows forms
        "a\\b",
        "..\\x",
        "\\\\server\\share",
        "C:",
        "C:/Windows",
        "c:\\Windows",
        "/C:/x",
        "a/D:/x",
        "C:x",
        # fragment, NUL, control characters
        "a#b",
        "#",
        "a\x00b",
        "a\nb",
        "a\rb",
        "a\tb",
        "\x1f",
        "a\x7f",
        "a\x85b",
        "\ud800",
        # absolute paths, as MLflow's server refuses them
        "/",
        "///",
        "/a/b/",
        "/etc/passwd",
        # single-encoded forms
        "%2e%2e",
        "%2E%2E/x",
        "a/%2e%2e/b",
        "%2e",
        ".%2e",
        "%2e.",
        "a%2fb",
        "a%2Fb",
        "..%2fetc",
        "a%5cb",
        "%5C",
        "a%23b",
        "a%00b",
        "a%0ab",
        "a%7f",
        "a%c2%85b",
        "C%3a/x",
        "%43:/x",
        # double- and triple-encoded forms
        "%252e%252e",
        "%252E%252e/x",
        "a/%252e%252e/b",
        "a%252fb",
        "a%255cb",
        "a%2500",
        "%25252e%25252e",
        "a%25252fb",
        # too long
        "x" * (MAX_PATH_LENGTH + 1),
        "a/" * (MAX_PATH_LENGTH // 2 + 1),
    ],
)
def test_rejects_unsafe_paths(raw: str) -> None:
    with pytest.raises(InvalidParameterValue, match=r"^Invalid path$"):
        safe_artifact_path(raw)


def test_rejection_is_mlflow_invalid_parameter_value() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        safe_artifact_path("../x")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_join_key_joins_and_skips_empty_parts() -> None:
    assert join_key("1", "run", "artifacts") == "1/run/artifacts"
    assert join_key("1", "", "run/artifacts", "") == "1/run/artifacts"
    assert join_key("", "a/b", "c") == "a/b/c"
    assert join_key() == ""


@pytest.mark.parametrize("bad", ["..", "a/../..", "a\\b", "%2e%2e", "C:"])
def test_join_key_validates_its_parts(bad: str) -> None:
    with pytest.raises(InvalidParameterValue):
        join_key("1", bad, "x")


_TRICKY = st.sampled_from(
    ["..", ".", "/", "//", "\\", "%", "%2", "%25", "%2e", "%2E", "%2f", "%5c", "%00", "2e",
     "2f", "5c", "C:", "c:", ":", "#", "\x00", "\n", "~", "a", "b.txt", "ü", " ", "%c2", "%85"]
)  # fmt: skip
_PATHS = st.one_of(st.text(max_size=60), st.lists(_TRICKY, max_size=12).map("".join))


def _assert_safe(key: str) -> None:
    """A normalised key stays inside any root on POSIX and Windows, however often decoded."""
    assert key == "" or not (key.startswith("/") or key.endswith("/") or "//" in key)
    layer = key
    while True:
        segments = layer.split("/")
        assert ".." not in segments and "." not in segments
        assert "\\" not in layer and "#" not in layer and "\x00" not in layer
        decoded = unquote(layer)
        if decoded == layer:
            break
        assert decoded.count("/") == layer.count("/")  # no separator smuggled in by encoding
        layer = decoded
    posix = posixpath.normpath(posixpath.join("/srv/root", key))
    assert posix == "/srv/root" or posix.startswith("/srv/root/")
    assert PurePosixPath("/srv/root", key).parts[:3] == ("/", "srv", "root")
    windows = PureWindowsPath("C:/srv/root") / key
    assert windows.drive == "C:" and windows.parts[:3] == ("C:\\", "srv", "root")


@settings(max_examples=1000, deadline=None)
@given(_PATHS)
def test_random_paths_normalise_safely_or_are_rejected(raw: str) -> None:
    try:
        key = safe_artifact_path(raw)
    except InvalidParameterValue:
        return
    _assert_safe(key)
    assert safe_artifact_path(key) == key  # idempotent: stores may re-validate keys
