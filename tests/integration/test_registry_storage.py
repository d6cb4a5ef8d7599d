"""Immutable model versions: registration copies the source's files into registry storage.

Downloads are served from that copy, so later changes to (or deletion of) the run's artifacts do
not affect a registered version, and clients cannot write into the copy through the proxy.
Sources outside the server's artifact store are refused without creating anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ARTIFACTS, LOGGED_MODELS, Api
from tests.integration.test_registry_models import (
    FAILED,
    MODEL_FILES,
    MV,
    PROXY_PREFIX,
    READY,
    RM,
    create_model,
    create_version,
    download_path,
    get_model,
    get_version,
    put_artifact,
    put_tree,
    read_tree,
    run_root,
    run_source,
)

OTHER_FILES: dict[str, bytes] = {"MLmodel": b"flavors: {other: 1}\n", "extra/new.txt": b"new"}


def _registered(api: Api, source: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    name = str(create_model(api)["name"])
    return name, create_version(api, name, source, **extra)


def test_runs_source_is_copied_and_survives_deletion_of_the_run_artifacts(
    api: Api, run_id: str
) -> None:
    source = run_source(api, run_id)
    name, version = _registered(api, source, run_id=run_id)
    assert version["status"] == READY
    assert version["source"] == source
    stored = download_path(api, name, 1)
    model_dir = f"{run_root(api, run_id)}/model"
    assert stored.strip("/") != model_dir
    assert not stored.startswith(run_root(api, run_id))
    assert read_tree(api, stored) == MODEL_FILES

    # Changing the run's files afterwards does not change the registered version ...
    put_tree(api, model_dir, OTHER_FILES)
    assert read_tree(api, stored) == MODEL_FILES
    # ... nor does deleting them, or deleting the run.
    assert api.http.delete(f"{ARTIFACTS}/{model_dir}").status_code == 200
    assert read_tree(api, model_dir) == {}
    api.ok("POST", "/runs/delete", {"run_id": run_id})
    assert read_tree(api, download_path(api, name, 1)) == MODEL_FILES
    assert get_version(api, name, 1)["status"] == READY


def test_each_version_has_its_own_copy(api: Api, run_id: str) -> None:
    source = run_source(api, run_id)
    name, _ = _registered(api, source)
    put_tree(api, f"{run_root(api, run_id)}/model", OTHER_FILES)
    assert create_version(api, name, source)["version"] == "2"
    first, second = download_path(api, name, 1), download_path(api, name, 2)
    assert first != second
    assert read_tree(api, first) == MODEL_FILES
    # The source directory now holds both trees (PUT overwrote MLmodel, added extra/new.txt).
    assert read_tree(api, second) == {**MODEL_FILES, **OTHER_FILES}


def test_logged_model_source(api: Api, experiment_id: str, run_id: str) -> None:
    logged = api.ok(
        "POST",
        LOGGED_MODELS,
        {"experiment_id": experiment_id, "name": "model", "source_run_id": run_id},
    )["model"]["info"]
    model_id = logged["model_id"]
    location = logged["artifact_uri"].removeprefix(PROXY_PREFIX).strip("/")
    put_tree(api, location, MODEL_FILES)
    name, version = _registered(api, f"models:/{model_id}", model_id=model_id)
    assert version["status"] == READY
    assert version["source"] == f"models:/{model_id}"
    # Without an explicit run_id the logged model's source run is recorded.
    assert version["run_id"] == run_id
    stored = download_path(api, name, 1)
    assert stored != location
    assert read_tree(api, stored) == MODEL_FILES
    assert api.http.delete(f"{ARTIFACTS}/{location}").status_code == 200
    assert read_tree(api, stored) == MODEL_FILES


def test_proxy_uri_source(api: Api, run_id: str) -> None:
    run_source(api, run_id)
    source = f"{PROXY_PREFIX}{run_root(api, run_id)}/model"
    name, version = _registered(api, source, run_id=run_id)
    assert (version["status"], version["source"]) == (READY, source)
    assert read_tree(api, download_path(api, name, 1)) == MODEL_FILES


def test_local_path_inside_the_artifact_store(api: Api, run_id: str, artifacts_root: Path) -> None:
    run_source(api, run_id)
    source = str(artifacts_root / run_root(api, run_id) / "model")
    name, version = _registered(api, source, run_id=run_id)
    assert version["status"] == READY
    stored = download_path(api, name, 1)
    assert stored != f"{run_root(api, run_id)}/model"
    assert read_tree(api, stored) == MODEL_FILES


def test_registered_version_as_source(api: Api, run_id: str) -> None:
    first, _ = _registered(api, run_source(api, run_id))
    name, version = _registered(api, f"models:/{first}/1")
    assert version["status"] == READY
    assert download_path(api, name, 1) != download_path(api, first, 1)
    assert read_tree(api, download_path(api, name, 1)) == MODEL_FILES


def test_source_without_files_fails_registration(api: Api, run_id: str) -> None:
    name, version = _registered(api, f"runs:/{run_id}/no-such-model", run_id=run_id)
    assert version["status"] == FAILED, version
    assert version["status_message"]
    assert get_version(api, name, 1)["status"] == FAILED


# Templates: {root} = the artifact store folder, {rr} = the run's artifact path, {run} = run id.
REFUSED_SOURCES = [
    "/etc",
    "/",
    "/tmp",
    "file:///etc",
    "file:/etc",
    "file://{root}/{rr}/model",
    "file:{root}/{rr}/model",
    "{root}/../outside",
    "{root}/{rr}/../../../../..",
    "{root}/../{root_name}/{rr}/model",
    "mlflow-artifacts:/../../etc",
    "mlflow-artifacts:/{rr}/../../../../etc",
    "mlflow-artifacts:/%2e%2e/%2e%2e/etc",
    "runs:/{run}/../../../../../etc",
    "http://evil/x",
    "https://evil.example/model",
    "s3://b/k",
    "gs://bucket/model",
    "hdfs://namenode/model",
    "ftp://evil/x",
    "mlflow-artifacts://evil/x",
]


@pytest.mark.parametrize("template", REFUSED_SOURCES)
def test_sources_outside_the_artifact_store_are_refused(
    api: Api, run_id: str, artifacts_root: Path, template: str
) -> None:
    run_source(api, run_id)
    source = template.format(
        root=artifacts_root, root_name=artifacts_root.name, rr=run_root(api, run_id), run=run_id
    )
    name = str(create_model(api)["name"])
    before = get_model(api, name)
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        f"{MV}/create",
        {"name": name, "source": source, "run_id": run_id},
    )
    assert get_model(api, name) == before
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", f"{MV}/get", name=name, version="1")
    assert api.ok("GET", f"{MV}/search", filter=f"name = '{name}'").get("model_versions", []) == []
    # Nothing was allocated either: the next (valid) version is still number 1.
    assert create_version(api, name, f"runs:/{run_id}/model")["version"] == "1"


def test_registry_storage_is_read_only_through_the_proxy(api: Api, run_id: str) -> None:
    name, _ = _registered(api, run_source(api, run_id))
    stored = download_path(api, name, 1)
    attempts = [
        ("PUT", f"{stored}/MLmodel"),
        ("PUT", f"{stored}/injected.txt"),
        ("PUT", f"{stored}/data/weights.bin"),
        ("DELETE", f"{stored}/MLmodel"),
        ("DELETE", f"{stored}/data"),
        ("DELETE", stored),
        ("PUT", "_registry/planted/1/MLmodel"),
        ("DELETE", "_registry"),
    ]
    for method, path in attempts:
        response = api.http.request(
            method,
            f"{ARTIFACTS}/{path}",
            content=b"overwritten" if method == "PUT" else None,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert response.status_code == 400, (method, path, response.text)
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert read_tree(api, stored) == MODEL_FILES
    assert read_tree(api, "_registry/planted") == {}


def test_download_uri_of_renamed_and_recreated_models(api: Api, run_id: str) -> None:
    source = run_source(api, run_id)
    name, _ = _registered(api, source)
    old_path = download_path(api, name, 1)
    api.ok("DELETE", f"{RM}/delete", {"name": name})
    # A new model under the same name gets its own storage, never the old files.
    put_tree(api, f"{run_root(api, run_id)}/model", OTHER_FILES)
    create_model(api, name)
    recreated = create_version(api, name, source)
    assert (recreated["version"], recreated["status"]) == ("1", READY), recreated
    new_path = download_path(api, name, 1)
    assert read_tree(api, new_path) == {**MODEL_FILES, **OTHER_FILES}
    assert new_path != old_path
    put_artifact(api, f"{run_root(api, run_id)}/model/MLmodel", b"changed again")
    assert read_tree(api, new_path)["MLmodel"] == OTHER_FILES["MLmodel"]
