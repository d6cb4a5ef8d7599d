"""Runs, artifacts, registered models, versions and prompts under auth with workspaces on."""

from __future__ import annotations

from tests.support.auth_helpers import (
    API,
    USER_PERMISSIONS,
    Site,
    assert_denied,
    unique_name,
)
from tests.support.permission_helpers import (
    ARTIFACTS,
    EXPERIMENTS,
    MODEL_FILES,
    MV,
    PROXY,
    RM,
    RUNS,
    create_experiment,
    create_version,
    get_experiment,
    grant_body,
    listed,
    model_names,
    run_in,
    run_path,
    upload_model,
    version_names,
)

# --------------------------------------------------------------------------------------------
# Runs, artifacts, registered models and versions


def test_runs_owner_logs_and_reader_only_reads(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    run_id = run_in(as_alice, mine)
    metric = {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": 1, "step": 0}
    assert as_alice.ok("POST", f"{RUNS}/log-metric", metric) == {}
    assert_denied(as_bob.call("GET", f"{RUNS}/get", {"run_id": run_id}))

    as_alice.ok("POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "experiment", mine, "READ"))
    run = as_bob.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]
    assert [(m["key"], m["value"]) for m in run["data"]["metrics"]] == [("loss", 0.5)]
    found = as_bob.ok("POST", f"{RUNS}/search", {"experiment_ids": [mine]})
    assert [r["info"]["run_id"] for r in listed(found, "runs")] == [run_id]
    history = as_bob.ok("GET", f"{API}/metrics/get-history", run_id=run_id, metric_key="loss")
    assert [m["value"] for m in history["metrics"]] == [0.5]
    for method, path, body in [
        ("POST", f"{RUNS}/log-metric", {**metric, "value": 9.0, "step": 1}),
        ("POST", f"{RUNS}/log-parameter", {"run_id": run_id, "key": "p", "value": "v"}),
        ("POST", f"{RUNS}/set-tag", {"run_id": run_id, "key": "t", "value": "v"}),
        ("POST", f"{RUNS}/update", {"run_id": run_id, "status": "FAILED"}),
        ("POST", f"{RUNS}/delete", {"run_id": run_id}),
        ("POST", f"{RUNS}/create", {"experiment_id": mine}),
    ]:
        assert_denied(as_bob.call(method, path, body))
    after = as_alice.ok("GET", f"{RUNS}/get", run_id=run_id)["run"]
    assert [(m["key"], m["value"]) for m in after["data"]["metrics"]] == [("loss", 0.5)]
    assert after["data"].get("params", []) == []
    assert "t" not in {t["key"] for t in after["data"].get("tags", [])}
    assert after["info"]["lifecycle_stage"] == "active"
    assert after["info"]["status"] == run["info"]["status"]
    runs = as_alice.ok("POST", f"{RUNS}/search", {"experiment_ids": [mine]})
    assert len(listed(runs, "runs")) == 1


def test_artifact_proxy_reads_for_readers_writes_for_owners(site: Site) -> None:
    team, other = site.team(), site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob")
    outsider = site.person("outsider", other.user_role)
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    run_id = run_in(as_alice, mine)
    short = f"{mine}/{run_id}/artifacts"
    prefixed = run_path(as_alice, run_id)
    assert prefixed == f"workspaces/{team.name}/{short}"
    assert as_alice.http.put(f"{ARTIFACTS}/{short}/x.txt", content=b"alice").status_code == 200
    as_alice.ok("POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "experiment", mine, "READ"))

    for path in (short, prefixed):
        got = as_bob.http.get(f"{ARTIFACTS}/{path}/x.txt")
        assert (got.status_code, got.content) == (200, b"alice")
        files = as_bob.ok("GET", ARTIFACTS, {"path": path})["files"]
        assert [(f["path"], f["is_dir"]) for f in files] == [("x.txt", False)]
    assert_denied(as_bob.http.put(f"{ARTIFACTS}/{short}/y.txt", content=b"bob"))
    assert_denied(as_bob.http.put(f"{ARTIFACTS}/{short}/x.txt", content=b"overwritten"))
    assert_denied(as_bob.http.delete(f"{ARTIFACTS}/{short}/x.txt"))
    # Someone else's workspace, under its name or this one's: refused either way.
    as_outsider = site.as_(outsider, other.name)
    assert_denied(as_outsider.http.get(f"{ARTIFACTS}/{prefixed}/x.txt"))
    assert_denied(site.as_(outsider, team.name).http.get(f"{ARTIFACTS}/{short}/x.txt"))
    assert_denied(as_outsider.http.put(f"{ARTIFACTS}/{short}/z.txt", content=b"z"))

    admin = site.admin(team.name)
    assert admin.http.get(f"{ARTIFACTS}/{short}/x.txt").content == b"alice"
    assert admin.http.get(f"{ARTIFACTS}/{short}/y.txt").status_code == 404
    listing = admin.ok("GET", ARTIFACTS, {"path": short})["files"]
    assert [f["path"] for f in listing] == ["x.txt"]


def test_registered_models_and_versions(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    dave = site.person("dave", team.user_role)
    bob = site.person("bob")
    as_alice, as_dave, as_bob = (site.as_(p, team.name) for p in (alice, dave, bob))
    mine, _ = create_experiment(as_alice)
    source = upload_model(as_alice, run_in(as_alice, mine))
    model = unique_name("model")
    assert as_alice.ok("POST", f"{RM}/create", {"name": model})["registered_model"]["name"] == model
    assert (model, "MANAGE") in {
        (p["resource_pattern"], p["permission"])
        for p in site.permissions_of(alice.username)
        if p["resource_type"] == "registered_model"
    }
    version = create_version(as_alice, model, source)
    assert version["version"] == "1"
    ref = {"name": model, "version": "1"}
    assert as_alice.ok("GET", f"{MV}/get", **ref)["model_version"]["source"] == source
    assert as_alice.ok("GET", f"{MV}/get-download-uri", **ref)["artifact_uri"]

    # A member lists it but cannot read or add to it; a non-member sees nothing.
    assert model in model_names(as_dave)
    assert (model, "1") in version_names(as_dave)
    assert_denied(as_dave.call("GET", f"{RM}/get", {"name": model}))
    assert_denied(as_dave.call("POST", f"{MV}/create", {"name": model, "source": source}))
    assert model_names(as_bob) == [] and version_names(as_bob) == []
    for method, path, body in [
        ("GET", f"{RM}/get", {"name": model}),
        ("GET", f"{MV}/get", ref),
        ("GET", f"{MV}/get-download-uri", ref),
        ("POST", f"{RM}/create", {"name": unique_name("bob")}),
    ]:
        assert_denied(as_bob.call(method, path, body))

    # READ for bob: reads, never writes.
    as_alice.ok(
        "POST", f"{USER_PERMISSIONS}/grant", grant_body(bob, "registered_model", model, "READ")
    )
    assert as_bob.ok("GET", f"{RM}/get", name=model)["registered_model"]["name"] == model
    assert as_bob.ok("GET", f"{MV}/get", **ref)["model_version"]["version"] == "1"
    assert model_names(as_bob) == [model] and version_names(as_bob) == [(model, "1")]
    for method, path, body in [
        ("PATCH", f"{RM}/update", {"name": model, "description": "bob"}),
        ("POST", f"{RM}/rename", {"name": model, "new_name": unique_name("bob")}),
        ("DELETE", f"{RM}/delete", {"name": model}),
        ("POST", f"{MV}/create", {"name": model, "source": source}),
        ("PATCH", f"{MV}/update", {**ref, "description": "bob"}),
        ("DELETE", f"{MV}/delete", ref),
    ]:
        assert_denied(as_bob.call(method, path, body))
    unchanged = as_alice.ok("GET", f"{RM}/get", name=model)["registered_model"]
    assert unchanged.get("description", "") == ""
    assert [v["version"] for v in unchanged["latest_versions"]] == ["1"]

    # Renaming re-keys every per-user grant; deleting drops them.
    renamed = unique_name("renamed")
    as_alice.ok("POST", f"{RM}/rename", {"name": model, "new_name": renamed})
    for person, level in ((alice, "MANAGE"), (bob, "READ")):
        models = {
            (p["resource_pattern"], p["permission"])
            for p in site.permissions_of(person.username)
            if p["resource_type"] == "registered_model"
        }
        assert models == {(renamed, level)}, person
    assert as_bob.ok("GET", f"{RM}/get", name=renamed)["registered_model"]["name"] == renamed
    assert as_alice.ok("DELETE", f"{RM}/delete", {"name": renamed}) == {}
    for person in (alice, bob):
        assert all(
            p["resource_type"] != "registered_model" for p in site.permissions_of(person.username)
        )
    site.admin(team.name).ok("POST", f"{RM}/create", {"name": renamed})
    for client in (as_alice, as_bob):  # a new model of the same name: no inherited grant
        assert_denied(client.call("GET", f"{RM}/get", {"name": renamed}))


def test_registering_a_version_from_an_unreadable_run_is_refused(site: Site) -> None:
    team = site.team()
    alice = site.person("alice", team.user_role)
    admin = site.admin(team.name)
    theirs, _ = create_experiment(admin)
    their_run = run_in(admin, theirs)
    their_source = upload_model(admin, their_run)
    as_alice = site.as_(alice, team.name)
    mine, _ = create_experiment(as_alice)
    my_run = run_in(as_alice, mine)
    my_source = upload_model(as_alice, my_run)
    model = unique_name("model")
    as_alice.ok("POST", f"{RM}/create", {"name": model})

    their_files = f"{PROXY}{run_path(admin, their_run)}/model"
    for body in [
        {"name": model, "source": their_source},
        {"name": model, "source": my_source, "run_id": their_run},
        {"name": model, "source": their_files},
    ]:
        assert_denied(as_alice.call("POST", f"{MV}/create", body))
    assert version_names(site.admin(team.name)) == []
    assert create_version(as_alice, model, my_source, run_id=my_run)["version"] == "1"
    assert version_names(site.admin(team.name)) == [(model, "1")]


def test_a_renamed_experiment_s_old_name_does_not_open_its_successor(site: Site) -> None:
    """Looked up by name, then renamed: the old name now belongs to someone else's experiment,
    which the first owner must not read through ``get-by-name``."""
    team = site.team()
    alice = site.person("alice", team.user_role)
    as_alice = site.as_(alice, team.name)
    name = unique_name("reused")
    mine, _ = create_experiment(as_alice, name)
    by_name = as_alice.ok("GET", f"{EXPERIMENTS}/get-by-name", experiment_name=name)
    assert by_name["experiment"]["experiment_id"] == mine
    update = {"experiment_id": mine, "new_name": unique_name("moved")}
    assert as_alice.ok("POST", f"{EXPERIMENTS}/update", update) == {}
    admin = site.admin(team.name)
    theirs, _ = create_experiment(admin, name)
    tag = {"experiment_id": theirs, "key": "secret", "value": "admin only"}
    assert admin.ok("POST", f"{EXPERIMENTS}/set-experiment-tag", tag) == {}
    assert_denied(get_experiment(as_alice, theirs))
    assert_denied(as_alice.call("GET", f"{EXPERIMENTS}/get-by-name", {"experiment_name": name}))


def test_registry_files_follow_their_model_after_a_rename(site: Site) -> None:
    """The copies under ``_registry/<id>`` belong to the model, whatever it is called now: a new
    model taking the old name gives its owner no access to them."""
    team = site.team()
    alice = site.person("alice", team.user_role)
    bob = site.person("bob", team.user_role)
    as_alice, as_bob = site.as_(alice, team.name), site.as_(bob, team.name)
    mine, _ = create_experiment(as_alice)
    source = upload_model(as_alice, run_in(as_alice, mine))
    model = unique_name("model")
    as_alice.ok("POST", f"{RM}/create", {"name": model})
    create_version(as_alice, model, source)
    uri = as_alice.ok("GET", f"{MV}/get-download-uri", name=model, version="1")["artifact_uri"]
    files = f"{ARTIFACTS}/{uri.removeprefix(PROXY).strip('/')}/data/w.bin"
    assert as_alice.http.get(files).content == MODEL_FILES["data/w.bin"]
    assert_denied(as_bob.http.get(files))  # remembered: this copy is `model`'s
    as_alice.ok("POST", f"{RM}/rename", {"name": model, "new_name": unique_name("renamed")})
    assert as_bob.ok("POST", f"{RM}/create", {"name": model})["registered_model"]["name"] == model
    assert_denied(as_bob.http.get(files))
    assert as_alice.http.get(files).content == MODEL_FILES["data/w.bin"]


PROMPT_TAGS = [{"key": "mlflow.prompt.is_prompt", "value": "true"}]


def test_a_deny_on_a_prompt_hides_it_from_searches(site: Site) -> None:
    team = site.team()
    dave = site.person("dave", team.user_role)
    admin = site.admin(team.name)
    prompt, model = unique_name("prompt"), unique_name("model")
    admin.ok("POST", f"{RM}/create", {"name": prompt, "tags": PROMPT_TAGS})
    admin.ok("POST", f"{RM}/create", {"name": model})
    as_dave = site.as_(dave, team.name)
    assert model_names(as_dave) == sorted([prompt, model])
    site.grant(team.name, dave.username, "prompt", prompt, "DENY")
    assert_denied(as_dave.call("GET", f"{RM}/get", {"name": prompt}))
    assert model_names(as_dave) == [model]


def test_a_read_grant_on_a_prompt_shows_it_in_searches(site: Site) -> None:
    team = site.team()
    bob = site.person("bob")
    admin = site.admin(team.name)
    prompt = unique_name("prompt")
    admin.ok("POST", f"{RM}/create", {"name": prompt, "tags": PROMPT_TAGS})
    admin.ok("POST", f"{RM}/create", {"name": unique_name("model")})
    site.grant(team.name, bob.username, "prompt", prompt, "READ")
    as_bob = site.as_(bob, team.name)
    assert as_bob.ok("GET", f"{RM}/get", name=prompt)["registered_model"]["name"] == prompt
    assert model_names(as_bob) == [prompt]
