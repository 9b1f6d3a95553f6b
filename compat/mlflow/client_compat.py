"""Drives the registry service with the official MLflow Python client (PyPI `mlflow`).

    .venv/bin/python compat/mlflow/client_compat.py --tracking-uri http://127.0.0.1:3005 \
        [--record compat/mlflow/fixtures/client-transcript.json]

The client talks to the service through a small recording proxy in this process: every request
the client sends and every answer the service gives are kept, and with --record written as a JSON
transcript (the jest test services/registry/test/mlflow-transcript.spec.ts replays it against the
service and compares status codes and response shapes, so CI needs no Python).

What the client does, as a user of MLflow would: set an experiment (get-by-name, create), start a
run, log params (one by one and in a batch), metrics with steps, a tag, artifacts (a file and a
folder), end the run; read the run, the metric history and the artifact list back, download an
artifact; search runs with `metrics.x > v and params.p = "v"`; register a model and a version,
set the champion alias, read it by alias, transition a version to Staging with
archive_existing_versions; check that re-logging a param with another value is refused with
INVALID_PARAMETER_VALUE. Exits 1 on the first mismatch with what MLflow would do.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

TOKEN_PLACEHOLDER = "@@TOKEN@@"


class Recorder:
    def __init__(self, target: str, token: str) -> None:
        parts = urlsplit(target)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.token = token
        self.exchanges: list[dict] = []
        self.lock = threading.Lock()

    def encode(self, body: bytes, content_type: str) -> dict:
        if not body:
            return {"kind": "empty"}
        if "json" in content_type and not self.binary_path:
            try:
                return {"kind": "json", "value": json.loads(body.decode("utf-8"))}
            except ValueError:
                pass
        return {"kind": "base64", "value": base64.b64encode(body).decode("ascii")}

    binary_path = False


def make_handler(recorder: Recorder):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            return

        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            conn = http.client.HTTPConnection(recorder.host, recorder.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            content_type = resp.getheader("content-type") or ""
            is_artifact = self.path.startswith("/api/2.0/mlflow-artifacts/artifacts/")
            recorder.binary_path = is_artifact
            with recorder.lock:
                recorder.exchanges.append(
                    {
                        "request": {
                            "method": self.command,
                            "path": self.path.replace(recorder.token, TOKEN_PLACEHOLDER),
                            "contentType": self.headers.get("content-type") or "",
                            "body": substitute(recorder.encode(body, self.headers.get("content-type") or ""), recorder.token),
                        },
                        "response": {
                            "status": resp.status,
                            "contentType": content_type.split(";")[0],
                            "body": substitute(recorder.encode(payload, content_type), recorder.token),
                        },
                    }
                )
            recorder.binary_path = False
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            conn.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    return Handler


def substitute(value, token: str):
    """Replaces the run's unique token by a placeholder (the replay puts its own token back)."""
    if isinstance(value, str):
        return value.replace(token, TOKEN_PLACEHOLDER)
    if isinstance(value, list):
        return [substitute(v, token) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, token) for k, v in value.items()}
    return value


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"compat: FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"compat: ok: {what}")


def scenario(token: str) -> None:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    experiment_name = f"compat-{token}"
    model_name = f"compat-model-{token}"

    experiment = mlflow.set_experiment(experiment_name)
    check(experiment.name == experiment_name, "set_experiment creates the experiment (get-by-name, create)")

    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "notes.txt"), "w") as f:
            f.write("churn model notes\n")
        os.makedirs(os.path.join(tmp, "model"))
        with open(os.path.join(tmp, "model", "model.onnx"), "wb") as f:
            f.write(bytes(range(256)) * 4)
        with open(os.path.join(tmp, "model", "schema.json"), "w") as f:
            json.dump({"inputs": ["tenure", "monthly_charges"]}, f)

        with mlflow.start_run(run_name="compat-run") as run:
            run_id = run.info.run_id
            mlflow.log_param("model", "LR")
            mlflow.log_params({"C": "1.0", "max_iter": "100"})
            mlflow.log_param("model", "LR")  # the same value again is fine
            for step, value in enumerate([0.71, 0.83, 0.92]):
                mlflow.log_metric("auc", value, step=step)
            mlflow.log_metrics({"accuracy": 0.8, "f1": 0.61}, step=2)
            mlflow.set_tag("stage", "compat")
            mlflow.log_artifact(os.path.join(tmp, "notes.txt"))
            mlflow.log_artifacts(os.path.join(tmp, "model"), artifact_path="model")
            try:
                mlflow.log_param("model", "XGB")
                check(False, "re-logging a param with another value is refused")
            except MlflowException as error:
                check(error.error_code == "INVALID_PARAMETER_VALUE", "re-logging a param with another value is INVALID_PARAMETER_VALUE")

        fetched = client.get_run(run_id)
        check(fetched.info.status == "FINISHED", "end_run finishes the run (runs/update)")
        check(fetched.data.params == {"model": "LR", "C": "1.0", "max_iter": "100"}, "params read back")
        check(abs(fetched.data.metrics["auc"] - 0.92) < 1e-12, "latest metric is the last step")
        check(fetched.data.tags.get("stage") == "compat", "tag read back")
        history = client.get_metric_history(run_id, "auc")
        check([m.value for m in history] == [0.71, 0.83, 0.92] and [m.step for m in history] == [0, 1, 2], "metric history")
        top = sorted(a.path for a in client.list_artifacts(run_id))
        check(top == ["model", "notes.txt"], f"list_artifacts at the root: {top}")
        inner = sorted(a.path for a in client.list_artifacts(run_id, "model"))
        check(inner == ["model/model.onnx", "model/schema.json"], f"list_artifacts of a folder: {inner}")
        out = client.download_artifacts(run_id, "model/model.onnx", tmp + "/dl")
        with open(out, "rb") as f:
            check(f.read() == bytes(range(256)) * 4, "download_artifacts returns the uploaded bytes")

    found = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string="metrics.auc > 0.9 and params.model = \"LR\"",
        output_format="list",
    )
    check([r.info.run_id for r in found] == [run_id], "search_runs with metrics.auc > 0.9 and params.model = \"LR\"")
    none = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id], filter_string="metrics.auc > 0.95", output_format="list"
    )
    check(none == [], "search_runs filters out")

    client.create_registered_model(model_name, description="compat test")
    v1 = client.create_model_version(model_name, source=f"runs:/{run_id}/model", run_id=run_id)
    v2 = client.create_model_version(model_name, source=f"runs:/{run_id}/model", run_id=run_id)
    check((v1.version, v2.version) == ("1", "2") or (v1.version, v2.version) == (1, 2), "versions numbered 1, 2")
    client.set_registered_model_alias(model_name, "champion", v1.version)
    by_alias = client.get_model_version_by_alias(model_name, "champion")
    check(str(by_alias.version) == "1", "alias champion names version 1")
    client.set_registered_model_alias(model_name, "champion", v2.version)
    check(str(client.get_model_version_by_alias(model_name, "champion").version) == "2", "the alias moves")
    client.transition_model_version_stage(model_name, v1.version, "Staging")
    client.transition_model_version_stage(model_name, v2.version, "Staging", archive_existing_versions=True)
    check(client.get_model_version(model_name, v1.version).current_stage == "Archived", "archive_existing_versions")
    check(client.get_model_version(model_name, v2.version).current_stage == "Staging", "transition-stage")
    model = client.get_registered_model(model_name)
    check(model.aliases == {"champion": "2"} or model.aliases == {"champion": 2}, f"registered model aliases: {model.aliases}")
    versions = client.search_model_versions(f"name='{model_name}'")
    check(sorted(str(v.version) for v in versions) == ["1", "2"], "search_model_versions")
    client.delete_registered_model_alias(model_name, "champion")
    try:
        client.get_model_version_by_alias(model_name, "champion")
        check(False, "a deleted alias is gone")
    except MlflowException as error:
        check(error.error_code == "RESOURCE_DOES_NOT_EXIST", "a deleted alias is RESOURCE_DOES_NOT_EXIST")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracking-uri", default=os.environ.get("REGISTRY_URL", "http://127.0.0.1:3005"))
    parser.add_argument("--record", help="write the HTTP transcript to this JSON file")
    args = parser.parse_args()

    import mlflow

    token = uuid.uuid4().hex[:12]
    recorder = Recorder(args.tracking_uri, token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(recorder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    mlflow.set_tracking_uri(proxy)
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    started = time.time()
    try:
        scenario(token)
    finally:
        server.shutdown()
    print(
        json.dumps(
            {
                "compat": "mlflow-client",
                "mlflow": mlflow.__version__,
                "requests": len(recorder.exchanges),
                "seconds": round(time.time() - started, 3),
            }
        )
    )
    if args.record:
        os.makedirs(os.path.dirname(os.path.abspath(args.record)), exist_ok=True)
        with open(args.record, "w") as f:
            json.dump(
                {
                    "recordedWith": f"mlflow {mlflow.__version__} (Python client, PyPI)",
                    "script": "compat/mlflow/client_compat.py",
                    "tokenPlaceholder": TOKEN_PLACEHOLDER,
                    "exchanges": recorder.exchanges,
                },
                f,
                indent=1,
            )
        print(f"compat: transcript written to {args.record} ({len(recorder.exchanges)} exchanges)")


if __name__ == "__main__":
    main()
