"""Runs over HTTP: create, get, update, delete/restore and tags."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api, tag_map, unique

RUN_NAME_TAG = "mlflow.runName"


def _create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = api.ok("POST", "/runs/create", body)["run"]
    return run


def test_create_returns_a_running_active_run(api: Api, experiment_id: str) -> None:
    run = _create(
        api,
        {
            "experiment_id": experiment_id,
            "user_id": "ada",
            "run_name": "first",
            "start_time": 1234,
            "tags": [{"key": "mlflow.source.type", "value": "LOCAL"}],
        },
    )
    info = run["info"]
    run_id = info["run_id"]
    assert info["run_uuid"] == run_id
    assert info["run_name"] == "first"
    assert info["experiment_id"] == experiment_id
    assert info["user_id"] == "ada"
    assert info["status"] == "RUNNING"
    assert info["start_time"] == 1234
    assert "end_time" not in info or not info["end_time"]
    assert info["lifecycle_stage"] == "active"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
    assert tag_map(run) == {"mlflow.source.type": "LOCAL", RUN_NAME_TAG: "first"}
    assert api.get_run(run_id)["info"] == info


def test_create_takes_name_from_run_name_tag(api: Api, experiment_id: str) -> None:
    run = _create(
        api,
        {"experiment_id": experiment_id, "tags": [{"key": RUN_NAME_TAG, "value": "tagged"}]},
    )
    assert run["info"]["run_name"] == "tagged"
    assert tag_map(api.get_run(run["info"]["run_id"]))[RUN_NAME_TAG] == "tagged"


def test_create_with_equal_name_and_tag_is_fine(api: Api, experiment_id: str) -> None:
    run = _create(
        api,
        {
            "experiment_id": experiment_id,
            "run_name": "same",
            "tags": [{"key": RUN_NAME_TAG, "value": "same"}],
        },
    )
    assert run["info"]["run_name"] == "same"
    tags = api.get_run(run["info"]["run_id"])["data"]["tags"]
    assert [t for t in tags if t["key"] == RUN_NAME_TAG] == [{"key": RUN_NAME_TAG, "value": "same"}]


def test_create_generates_a_name_when_none_given(api: Api, experiment_id: str) -> None:
    first = _create(api, {"experiment_id": experiment_id})
    second = _create(api, {"experiment_id": experiment_id})
    for run in (first, second):
        name = run["info"]["run_name"]
        assert isinstance(name, str) and name
        assert tag_map(api.get_run(run["info"]["run_id"]))[RUN_NAME_TAG] == name
    assert first["info"]["run_id"] != second["info"]["run_id"]


def test_create_with_conflicting_name_and_tag_is_400(api: Api, experiment_id: str) -> None:
    api.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "POST",
        "/runs/create",
        {
            "experiment_id": experiment_id,
            "run_name": "one",
            "tags": [{"key": RUN_NAME_TAG, "value": "two"}],
        },
    )


def test_create_in_missing_experiment_is_404(api: Api) -> None:
    api.error(
        404, "RESOURCE_DOES_NOT_EXIST", "POST", "/runs/create", {"experiment_id": "987654321"}
    )


def test_create_in_deleted_experiment_is_400(api: Api, experiment_id: str) -> None:
    api.ok("POST", "/experiments/delete", {"experiment_id": experiment_id})
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/runs/create", {"experiment_id": experiment_id}
    )


def test_create_without_experiment_uses_default(api: Api) -> None:
    run = _create(api, {"run_name": unique("default")})
    assert run["info"]["experiment_id"] == "0"
    assert run["info"]["artifact_uri"].startswith("mlflow-artifacts:/0/")


@pytest.mark.parametrize("field", ["run_id", "run_uuid"])
def test_get_accepts_run_id_and_run_uuid(api: Api, run_id: str, field: str) -> None:
    run = api.ok("GET", "/runs/get", **{field: run_id})["run"]
    assert run["info"]["run_id"] == run_id
    assert set(run) >= {"info", "data", "inputs", "outputs"}


def test_get_prefers_run_id_over_run_uuid(api: Api, run_id: str) -> None:
    run = api.ok("GET", "/runs/get", run_id=run_id, run_uuid="0" * 32)["run"]
    assert run["info"]["run_id"] == run_id


def test_get_missing_run_is_404(api: Api) -> None:
    api.error(404, "RESOURCE_DOES_NOT_EXIST", "GET", "/runs/get", run_id="f" * 32)


def test_get_without_id_is_400(api: Api) -> None:
    api.error(400, "INVALID_PARAMETER_VALUE", "GET", "/runs/get")


def test_update_status_and_end_time(api: Api, run_id: str) -> None:
    before = api.get_run(run_id)["info"]
    response = api.ok(
        "POST",
        "/runs/update",
        {"run_id": run_id, "run_uuid": run_id, "status": "FINISHED", "end_time": 5000},
    )
    info = response["run_info"]
    assert info["run_id"] == run_id
    assert info["status"] == "FINISHED"
    assert info["end_time"] == 5000
    assert info["run_name"] == before["run_name"]
    stored = api.get_run(run_id)["info"]
    assert stored["status"] == "FINISHED"
    assert stored["end_time"] == 5000
    assert stored["run_name"] == before["run_name"]
    assert stored["start_time"] == before["start_time"]


def test_update_only_changes_fields_present(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/update", {"run_id": run_id, "status": "FAILED", "end_time": 7})
    info = api.ok("POST", "/runs/update", {"run_id": run_id, "run_name": "later"})["run_info"]
    assert (info["status"], info["end_time"], info["run_name"]) == ("FAILED", 7, "later")
    stored = api.get_run(run_id)["info"]
    assert (stored["status"], stored["end_time"], stored["run_name"]) == ("FAILED", 7, "later")


def test_update_rename_updates_run_name_tag(api: Api, run_id: str) -> None:
    info = api.ok("POST", "/runs/update", {"run_uuid": run_id, "run_name": "renamed"})["run_info"]
    assert info["run_name"] == "renamed"
    run = api.get_run(run_id)
    assert run["info"]["run_name"] == "renamed"
    assert tag_map(run)[RUN_NAME_TAG] == "renamed"


def test_setting_run_name_tag_renames_run(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/set-tag", {"run_id": run_id, "key": RUN_NAME_TAG, "value": "via-tag"})
    assert api.get_run(run_id)["info"]["run_name"] == "via-tag"


def test_update_resumes_a_finished_run(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 9})
    info = api.ok("POST", "/runs/update", {"run_id": run_id, "status": "RUNNING"})["run_info"]
    assert info["status"] == "RUNNING"
    assert api.get_run(run_id)["info"]["status"] == "RUNNING"


def test_update_bad_status_is_400(api: Api, run_id: str) -> None:
    api.error(
        400, "INVALID_PARAMETER_VALUE", "POST", "/runs/update", {"run_id": run_id, "status": "DONE"}
    )
    assert api.get_run(run_id)["info"]["status"] == "RUNNING"


def test_update_missing_run_is_404(api: Api) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/runs/update",
        {"run_id": "f" * 32, "status": "FINISHED"},
    )


def test_delete_and_restore(api: Api, experiment_id: str, run_id: str) -> None:
    assert api.ok("POST", "/runs/delete", {"run_id": run_id}) == {}
    assert api.get_run(run_id)["info"]["lifecycle_stage"] == "deleted"

    def visible(view: str) -> list[str]:
        page = api.ok(
            "POST", "/runs/search", {"experiment_ids": [experiment_id], "run_view_type": view}
        )
        return [r["info"]["run_id"] for r in page.get("runs", [])]

    assert visible("ACTIVE_ONLY") == []
    assert visible("DELETED_ONLY") == [run_id]
    assert visible("ALL") == [run_id]
    assert api.ok("POST", "/runs/restore", {"run_id": run_id}) == {}
    assert api.get_run(run_id)["info"]["lifecycle_stage"] == "active"
    assert visible("ACTIVE_ONLY") == [run_id]
    assert visible("DELETED_ONLY") == []


def test_delete_and_restore_missing_run_is_404(api: Api) -> None:
    for path in ("/runs/delete", "/runs/restore"):
        api.error(404, "RESOURCE_DOES_NOT_EXIST", "POST", path, {"run_id": "f" * 32})


def test_set_tag_upserts_and_delete_tag_removes(api: Api, run_id: str) -> None:
    body = {"run_id": run_id, "run_uuid": run_id, "key": "stage", "value": "a"}
    assert api.ok("POST", "/runs/set-tag", body) == {}
    assert tag_map(api.get_run(run_id))["stage"] == "a"
    api.ok("POST", "/runs/set-tag", {**body, "value": "b"})
    assert tag_map(api.get_run(run_id))["stage"] == "b"
    assert api.ok("POST", "/runs/delete-tag", {"run_id": run_id, "key": "stage"}) == {}
    assert "stage" not in tag_map(api.get_run(run_id))


def test_set_tag_without_value_stores_empty_string(api: Api, run_id: str) -> None:
    api.ok("POST", "/runs/set-tag", {"run_id": run_id, "key": "flag"})
    assert tag_map(api.get_run(run_id))["flag"] == ""


def test_delete_missing_tag_is_404(api: Api, run_id: str) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/runs/delete-tag",
        {"run_id": run_id, "key": "never-set"},
    )


def test_set_tag_on_missing_run_is_404(api: Api) -> None:
    api.error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "POST",
        "/runs/set-tag",
        {"run_id": "f" * 32, "key": "k", "value": "v"},
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/runs/log-metric", {"key": "m", "value": 1.0, "timestamp": 1}),
        ("/runs/log-parameter", {"key": "p", "value": "v"}),
        ("/runs/set-tag", {"key": "t", "value": "v"}),
        ("/runs/delete-tag", {"key": "mlflow.runName"}),
        ("/runs/log-batch", {"metrics": [{"key": "m", "value": 1.0, "timestamp": 1}]}),
        ("/runs/update", {"status": "FINISHED"}),
        (
            "/runs/log-inputs",
            {
                "datasets": [
                    {
                        "dataset": {
                            "name": "d",
                            "digest": "abc",
                            "source_type": "local",
                            "source": "{}",
                        }
                    }
                ]
            },
        ),
    ],
)
def test_writing_to_a_deleted_run_is_400(
    api: Api, run_id: str, path: str, body: dict[str, Any]
) -> None:
    api.ok("POST", "/runs/delete", {"run_id": run_id})
    api.error(400, "INVALID_PARAMETER_VALUE", "POST", path, {"run_id": run_id, **body})
    api.ok("POST", "/runs/restore", {"run_id": run_id})
    run = api.get_run(run_id)
    assert run["data"].get("metrics", []) == []
    assert run["data"].get("params", []) == []
    assert set(tag_map(run)) == {RUN_NAME_TAG}
    assert run["info"]["status"] == "RUNNING"
    assert run["inputs"].get("dataset_inputs", []) == []
