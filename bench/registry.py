"""W7: the model registry. One registered model, versions created one by one from a small
logged model, then a filtered search over all of them, page by page."""

from __future__ import annotations

import time

from httpclient import HttpClient
from workloads import (
    API,
    ARTIFACTS,
    Ctx,
    Deadline,
    Result,
    create_experiment,
    create_run,
    dumps,
    timer,
)

W7_VERSIONS = 500
W7_PAGE = 100
# A small saved model: what a version's source usually holds.
MODEL_FILES = {
    "MLmodel": b"flavors:\n  python_function:\n    loader_module: bench\n",
    "requirements.txt": b"numpy\n",
    "python_env.yaml": b"python: 3.11\n",
    "model.pkl": bytes(range(256)) * 16,
}


def _upload_model(client: HttpClient, exp: str, run: str) -> str:
    root = f"{exp}/{run}/artifacts/model"
    for name, data in MODEL_FILES.items():
        client.call(
            "PUT", f"{ARTIFACTS}/{root}/{name}", data, content_type="application/octet-stream"
        )
    return f"mlflow-artifacts:/{root}"


def _search_all(client: HttpClient, name: str) -> int:
    found, token = 0, None
    while True:
        params = {"filter": f"name='{name}'", "max_results": str(W7_PAGE)}
        if token:
            params["page_token"] = token
        page = client.get_json(f"{API}/model-versions/search", params)
        found += len(page.get("model_versions", []))
        token = page.get("next_page_token")
        if not token:
            return found


def w7_registry(ctx: Ctx) -> Result:
    count = ctx.n(W7_VERSIONS)
    with ctx.client() as c:
        exp = create_experiment(c, "w7")
        run = create_run(c, exp, "w7")
        source = _upload_model(c, exp, run)
        name = f"w7-model-{time.time_ns()}"
        c.post_json(f"{API}/registered-models/create", {"name": name})
        body = dumps({"name": name, "source": source, "run_id": run})
        deadline = Deadline("W7 create versions", 900.0)
        with timer() as created:
            for _ in range(count):
                c.call("POST", f"{API}/model-versions/create", body)
                deadline.check()
        pages = -(-count // W7_PAGE)
        with timer() as searched:
            found = _search_all(c, name)
    if found != count:
        raise RuntimeError(f"W7 search found {found} versions, created {count}")
    return {"W7create": count / created[0], "W7search": searched[0] / pages}
