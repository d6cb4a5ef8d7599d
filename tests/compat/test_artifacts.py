"""Proxied artifacts: upload (log_artifact/log_artifacts), listing and byte-exact download."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
from mlflow import MlflowClient

TREE: dict[str, bytes] = {
    "top.txt": b"top level\n",
    "data/values.csv": b"a,b\n1,2\n3,4\n",
    "data/nested/deep/blob.bin": bytes(range(256)) * 64 + os.urandom(4096),
    "data/nested/empty.txt": b"",
    "images/pixel.png": b"\x89PNG\r\n\x1a\n" + os.urandom(512),
}


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_log_artifact_list_and_download_file(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    payload = os.urandom(100_000)
    src = tmp_path / "src"
    src.mkdir()
    (src / "weights.bin").write_bytes(payload)
    (src / "notes.txt").write_text("hello atrium\n")

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src / "weights.bin"))
        mlflow.log_artifact(str(src / "notes.txt"), artifact_path="docs/sub")
    run_id = run.info.run_id

    root = {f.path: f for f in client.list_artifacts(run_id)}
    assert set(root) == {"weights.bin", "docs"}
    assert not root["weights.bin"].is_dir
    assert root["weights.bin"].file_size == len(payload)
    assert root["docs"].is_dir
    assert [(f.path, f.is_dir) for f in client.list_artifacts(run_id, "docs")] == [
        ("docs/sub", True)
    ]
    notes = client.list_artifacts(run_id, "docs/sub")
    assert [(f.path, f.is_dir, f.file_size) for f in notes] == [
        ("docs/sub/notes.txt", False, len("hello atrium\n"))
    ]
    assert client.list_artifacts(run_id, "does-not-exist") == []

    dst = tmp_path / "dst"
    dst.mkdir()
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="weights.bin", dst_path=str(dst)
    )
    assert Path(local).read_bytes() == payload
    local_notes = mlflow.artifacts.download_artifacts(
        artifact_uri=f"runs:/{run_id}/docs/sub/notes.txt", dst_path=str(tmp_path / "dst2")
    )
    assert Path(local_notes).read_text() == "hello atrium\n"


def test_log_artifacts_directory_and_download_directory(
    client: MlflowClient, experiment_id: str, tmp_path: Path
) -> None:
    src = tmp_path / "tree"
    _write_tree(src, TREE)

    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(src), artifact_path="bundle")
        mlflow.log_artifacts(str(src / "data"))  # into the run's artifact root
    run_id = run.info.run_id

    assert {(f.path, f.is_dir) for f in client.list_artifacts(run_id)} == {
        ("bundle", True),
        ("values.csv", False),
        ("nested", True),
    }
    bundle = {f.path: f for f in client.list_artifacts(run_id, "bundle")}
    assert set(bundle) == {"bundle/top.txt", "bundle/data", "bundle/images"}
    assert bundle["bundle/top.txt"].file_size == len(TREE["top.txt"])
    deep = client.list_artifacts(run_id, "bundle/data/nested/deep")
    assert [(f.path, f.file_size) for f in deep] == [
        ("bundle/data/nested/deep/blob.bin", len(TREE["data/nested/deep/blob.bin"]))
    ]

    # whole sub-directory, via the fluent API
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="bundle", dst_path=str(tmp_path / "dl-bundle")
    )
    assert _read_tree(Path(local)) == TREE

    # a nested directory, via MlflowClient
    (tmp_path / "dl-nested").mkdir()
    nested = client.download_artifacts(run_id, "bundle/data/nested", str(tmp_path / "dl-nested"))
    assert _read_tree(Path(nested)) == {
        "deep/blob.bin": TREE["data/nested/deep/blob.bin"],
        "empty.txt": b"",
    }

    # the complete artifact root of the run
    everything = mlflow.artifacts.download_artifacts(
        run_id=run_id, dst_path=str(tmp_path / "dl-all")
    )
    expected = {f"bundle/{rel}": content for rel, content in TREE.items()}
    expected.update(
        {rel.removeprefix("data/"): c for rel, c in TREE.items() if rel.startswith("data/")}
    )
    assert _read_tree(Path(everything)) == expected
