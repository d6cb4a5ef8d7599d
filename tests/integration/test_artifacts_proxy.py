"""The artifact proxy (``/api/2.0/mlflow-artifacts/...``): bytes in, bytes out, no escapes."""

from __future__ import annotations

import hashlib
import http.client
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import ARTIFACTS, MPU, Api

FIVE_MB = 5 * 1024 * 1024 + 123


def _put(api: Api, path: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    response = api.http.put(
        f"{ARTIFACTS}/{path}", content=data, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    if response.content:
        assert response.json() == {}


def _list(api: Api, path: str | None) -> dict[str, object]:
    params = {"path": path} if path is not None else {}
    response = api.http.get(ARTIFACTS, params=params)
    assert response.status_code == 200, response.text
    payload: dict[str, object] = response.json()
    return payload


def _entries(api: Api, path: str | None) -> dict[str, tuple[bool, int | None]]:
    files = _list(api, path).get("files", [])
    assert isinstance(files, list)
    return {f["path"]: (f["is_dir"], f.get("file_size")) for f in files}


@pytest.fixture()
def run_root(api: Api, run_id: str) -> str:
    """The artifact path of a fresh run (``<exp>/<run>/artifacts``), from its artifact_uri."""
    uri = api.get_run(run_id)["info"]["artifact_uri"]
    assert uri.startswith("mlflow-artifacts:/")
    return uri.removeprefix("mlflow-artifacts:/").strip("/")


def test_run_artifact_uri_is_proxied(api: Api, experiment_id: str, run_id: str) -> None:
    uri = api.get_run(run_id)["info"]["artifact_uri"]
    assert uri == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"


def test_put_then_get_returns_identical_bytes(api: Api, run_root: str) -> None:
    data = bytes(range(256)) * 4 + b"\x00\r\n{not json"
    _put(api, f"{run_root}/blob.bin", data)
    response = api.http.get(f"{ARTIFACTS}/{run_root}/blob.bin")
    assert response.status_code == 200
    assert response.content == data


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-yaml", "image/png"])
def test_put_accepts_non_json_content_types(api: Api, run_root: str, content_type: str) -> None:
    _put(api, f"{run_root}/file", b"payload: 1\n", content_type)
    assert api.http.get(f"{ARTIFACTS}/{run_root}/file").content == b"payload: 1\n"


def test_put_overwrites(api: Api, run_root: str) -> None:
    _put(api, f"{run_root}/f.txt", b"one")
    _put(api, f"{run_root}/f.txt", b"two!")
    assert api.http.get(f"{ARTIFACTS}/{run_root}/f.txt").content == b"two!"


def test_empty_file_round_trips(api: Api, run_root: str) -> None:
    _put(api, f"{run_root}/empty", b"")
    response = api.http.get(f"{ARTIFACTS}/{run_root}/empty")
    assert response.status_code == 200 and response.content == b""
    assert _entries(api, run_root) == {"empty": (False, 0)}


def test_large_file_round_trips(api: Api, run_root: str) -> None:
    data = os.urandom(FIVE_MB)

    def chunks() -> Iterator[bytes]:
        view = memoryview(data)
        for start in range(0, len(data), 256 * 1024):
            yield bytes(view[start : start + 256 * 1024])

    response = api.http.put(
        f"{ARTIFACTS}/{run_root}/big.bin",
        content=chunks(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    digest = hashlib.sha256()
    size = 0
    with api.http.stream("GET", f"{ARTIFACTS}/{run_root}/big.bin") as download:
        assert download.status_code == 200
        for chunk in download.iter_bytes():
            digest.update(chunk)
            size += len(chunk)
    assert size == len(data)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert _entries(api, run_root) == {"big.bin": (False, len(data))}


def test_list_root_dir_and_nested(api: Api, run_root: str) -> None:
    _put(api, f"{run_root}/top.txt", b"12345")
    _put(api, f"{run_root}/model/MLmodel", b"flavors: {}\n")
    _put(api, f"{run_root}/model/data/weights.bin", b"\x00" * 10)

    assert _entries(api, run_root) == {"top.txt": (False, 5), "model": (True, None)}
    assert _entries(api, f"{run_root}/model") == {"MLmodel": (False, 12), "data": (True, None)}
    assert _entries(api, f"{run_root}/model/data") == {"weights.bin": (False, 10)}
    assert _entries(api, f"{run_root}/model/data/") == {"weights.bin": (False, 10)}
    absolute = api.http.get(ARTIFACTS, params={"path": f"/{run_root}/model/data"})
    assert absolute.status_code == 400, absolute.text
    files = _list(api, run_root)["files"]
    assert isinstance(files, list)
    for entry in files:
        assert "/" not in entry["path"]
        if entry["is_dir"]:
            assert "file_size" not in entry
    experiment = run_root.split("/")[0]
    root_entries = _entries(api, None)
    assert root_entries[experiment] == (True, None)
    assert _entries(api, "") == root_entries


def test_list_missing_path_or_file_is_empty(api: Api, run_root: str) -> None:
    assert _list(api, f"{run_root}/does/not/exist") == {}
    _put(api, f"{run_root}/only.txt", b"x")
    assert _list(api, f"{run_root}/only.txt").get("files", []) == []


def test_get_missing_is_404(api: Api, run_root: str) -> None:
    response = api.http.get(f"{ARTIFACTS}/{run_root}/nope.txt")
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    _put(api, f"{run_root}/file.txt", b"x")
    nested = api.http.get(f"{ARTIFACTS}/{run_root}/file.txt/below")
    assert nested.status_code == 404, nested.text


def test_get_directory_is_400(api: Api, run_root: str) -> None:
    _put(api, f"{run_root}/dir/file.txt", b"x")
    response = api.http.get(f"{ARTIFACTS}/{run_root}/dir")
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_delete_file_and_directory(api: Api, run_root: str) -> None:
    _put(api, f"{run_root}/keep.txt", b"k")
    _put(api, f"{run_root}/gone.txt", b"g")
    _put(api, f"{run_root}/tree/a/b.txt", b"b")
    response = api.http.delete(f"{ARTIFACTS}/{run_root}/gone.txt")
    assert response.status_code == 200, response.text
    assert api.http.get(f"{ARTIFACTS}/{run_root}/gone.txt").status_code == 404
    assert api.http.delete(f"{ARTIFACTS}/{run_root}/tree").status_code == 200
    assert _entries(api, run_root) == {"keep.txt": (False, 1)}
    missing = api.http.delete(f"{ARTIFACTS}/{run_root}/gone.txt")
    assert missing.status_code == 404


def test_multipart_upload_is_not_supported(api: Api, run_root: str) -> None:
    for action, body in (
        ("create", {"path": "big.bin", "num_parts": 2}),
        ("complete", {"path": "big.bin", "upload_id": "u", "parts": []}),
        ("abort", {"path": "big.bin", "upload_id": "u"}),
    ):
        response = api.http.post(f"{MPU}/{action}/{run_root}", json=body)
        assert response.status_code == 501, (action, response.text)
        payload = response.json()
        assert payload["error_code"] == "NOT_IMPLEMENTED"
        assert payload["message"].startswith(
            "Multipart upload is not supported for the current artifact repository"
        )


# --- path traversal -------------------------------------------------------------------------


def _raw(server: str, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
    """Send ``target`` byte-for-byte (httpx would normalise dot segments away)."""
    parts = urlsplit(server)
    assert parts.hostname is not None and parts.port is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _snapshot(folder: Path, skip: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if not p.is_relative_to(skip)}


def _dot_dot_targets(marker: str, run_root: str) -> list[str]:
    """Item paths (after the artifacts prefix) that climb out with ``..`` in some disguise."""
    return [
        f"../{marker}",
        f"../../{marker}",
        f"{run_root}/../../../../{marker}",
        f"a/../../{marker}",
        f"%2e%2e/{marker}",
        f"%2E%2E/%2e%2e/{marker}",
        f"a/%2e%2e/%2e%2e/{marker}",
        f"%252e%252e/{marker}",
        f"%252e%252e%252f{marker}",
        f"..%2f{marker}",
        f"..%252f{marker}",
        f"..\\{marker}",
        f"a\\..\\..\\{marker}",
        f"%5c..%5c{marker}",
        f"C:/{marker}",
    ]


def _absolute_targets(marker: str) -> list[str]:
    """Item paths that are absolute once the prefix is removed (``<p>`` starts with ``/``)."""
    return [f"/tmp/{marker}", f"%2ftmp%2f{marker}", "/etc/passwd", "%2Fetc%2Fpasswd"]


def _attempt(server: str, items: list[str]) -> list[str]:
    """Try PUT/GET/DELETE on each item path; return every attempt not answered with 400."""
    failures = []
    for item in items:
        target = f"{ARTIFACTS}/{item}"
        for method, body in (("PUT", b"pwned"), ("GET", None), ("DELETE", None)):
            if method != "GET" and "passwd" in item:
                continue  # never even try to write or delete a system file
            status, text = _raw(server, method, target, body)
            if status != 400 or b"root:" in text:
                failures.append(f"{method} {target} -> {status} {text[:100]!r}")
    return failures


def _assert_nothing_escaped(outside: Path, root: Path, before: set[Path], marker: str) -> None:
    assert _snapshot(outside, root) == before, "something was written outside the artifacts root"
    assert not Path("/tmp", marker).exists()
    assert not list(outside.parent.glob(f"*{marker}*"))


def test_dot_dot_traversal_is_refused_and_nothing_escapes(
    api: Api, run_root: str, artifacts_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = str(api.http.base_url).rstrip("/")
    marker = f"escape-{uuid.uuid4().hex}"
    outside = tmp_path_factory.getbasetemp()
    before = _snapshot(outside, artifacts_root)
    failures = _attempt(server, _dot_dot_targets(marker, run_root))
    _assert_nothing_escaped(outside, artifacts_root, before, marker)
    assert not list(artifacts_root.rglob(f"*{marker}*"))
    assert not failures, "traversal not refused with 400:\n" + "\n".join(failures)


def test_absolute_item_paths_are_refused(
    api: Api, artifacts_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Per the reference's path-safety rule an absolute ``<p>`` is "Invalid path" (400)."""
    server = str(api.http.base_url).rstrip("/")
    marker = f"abs-{uuid.uuid4().hex}"
    outside = tmp_path_factory.getbasetemp()
    before = _snapshot(outside, artifacts_root)
    failures = _attempt(server, _absolute_targets(marker))
    _assert_nothing_escaped(outside, artifacts_root, before, marker)
    assert not failures, "absolute artifact paths not refused with 400:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    "path",
    ["../..", "..", "a/../..", "%2e%2e", "%252e%252e", "..\\..", "/etc", "//etc/passwd", "C:\\"],
)
def test_list_traversal_is_refused(api: Api, path: str) -> None:
    response = api.http.get(ARTIFACTS, params={"path": path})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_hash_in_path_is_refused(api: Api, run_root: str) -> None:
    server = str(api.http.base_url).rstrip("/")
    status, _ = _raw(server, "PUT", f"{ARTIFACTS}/{run_root}/a%23b", b"x")
    assert status == 400
    assert _list(api, run_root) == {}


def test_files_land_under_the_artifacts_root(api: Api, run_root: str, artifacts_root: Path) -> None:
    _put(api, f"{run_root}/sub/placed.txt", b"here")
    assert (artifacts_root / run_root / "sub" / "placed.txt").read_bytes() == b"here"
