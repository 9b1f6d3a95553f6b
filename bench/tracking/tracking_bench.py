"""bench:tracking: the registry's tracking API against the real MLflow tracking server, same run,
same PostgreSQL, same HTTP client and requests (MLflow REST: /api/2.0/mlflow/...). JSON lines.

Measures, for each server:
- log-batch throughput: metrics per second through runs/log-batch (batches of 1000 metrics,
  `--threads` concurrent clients, `--batches` batches in all);
- run-search latency at `--runs` runs (each with 2 params and 3 metrics, logged by one log-batch):
  runs/search with `metrics.auc > 0.9 and params.model = "LR"` (AND), and without a filter,
  max_results 100, median and p95 of `--searches` calls after 3 warm-up calls.
Run through bench/tracking/run.sh (starts both servers).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

local = threading.local()


def session() -> requests.Session:
    s = getattr(local, "s", None)
    if s is None:
        s = local.s = requests.Session()
    return s


def post(url: str, path: str, body: dict) -> dict:
    r = session().post(f"{url}/api/2.0/mlflow/{path}", json=body, timeout=120)
    if r.status_code != 200:
        raise RuntimeError(f"{url} {path}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content else {}


def new_experiment(url: str, label: str) -> str:
    return post(url, "experiments/create", {"name": f"bench-{label}-{uuid.uuid4().hex[:10]}"})["experiment_id"]


def new_run(url: str, exp: str) -> str:
    return post(url, "runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]


def log_batch_throughput(url: str, label: str, batches: int, threads: int) -> dict:
    exp = new_experiment(url, label)
    runs = [new_run(url, exp) for _ in range(threads)]
    now = int(time.time() * 1000)

    def one(i: int) -> None:
        run = runs[i % threads]
        metrics = [{"key": f"m{k % 20}", "value": float(k) / 7.0, "timestamp": now + k, "step": i * 1000 + k} for k in range(1000)]
        post(url, "runs/log-batch", {"run_id": run, "metrics": metrics})

    one(0)  # warm-up
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(1, batches + 1)))
    seconds = time.perf_counter() - started
    return {"metrics_per_second": round(batches * 1000 / seconds), "batches": batches, "threads": threads, "seconds": round(seconds, 3)}


def seed(url: str, label: str, runs: int, threads: int) -> tuple[str, float]:
    exp = new_experiment(url, label)
    now = int(time.time() * 1000)

    def one(i: int) -> None:
        run = new_run(url, exp)
        post(url, "runs/log-batch", {
            "run_id": run,
            "params": [{"key": "model", "value": "LR" if i % 3 == 0 else "XGB"}, {"key": "C", "value": str(i % 10)}],
            "metrics": [
                {"key": "auc", "value": (i % 1000) / 1000.0, "timestamp": now, "step": 0},
                {"key": "accuracy", "value": 0.7 + (i % 100) / 1000.0, "timestamp": now, "step": 0},
                {"key": "f1", "value": 0.5, "timestamp": now, "step": 0},
            ],
        })

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(runs)))
    return exp, time.perf_counter() - started


def search_latency(url: str, exp: str, filter_string: str, searches: int) -> dict:
    body = {"experiment_ids": [exp], "filter": filter_string, "max_results": 100, "order_by": ["metrics.auc DESC"] if filter_string else []}
    result = {}
    for _ in range(3):
        result = post(url, "runs/search", body)
    times = []
    for _ in range(searches):
        t = time.perf_counter()
        result = post(url, "runs/search", body)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "returned": len(result.get("runs", [])),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ours", required=True)
    p.add_argument("--mlflow", required=True)
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--searches", type=int, default=20)
    a = p.parse_args()
    import mlflow  # only for its version

    servers = {"ours": a.ours, "mlflow": a.mlflow}
    out: dict[str, dict] = {}
    for label, url in servers.items():
        r = log_batch_throughput(url, label, a.batches, a.threads)
        out.setdefault(label, {})["log_batch"] = r
        print(json.dumps({"bench": "tracking", "case": "log-batch", "server": label, **r}), flush=True)
    for label, url in servers.items():
        exp, seconds = seed(url, label, a.runs, 8)
        print(json.dumps({"bench": "tracking", "case": "seed", "server": label, "runs": a.runs, "seconds": round(seconds, 1),
                          "runs_per_second": round(a.runs / seconds)}), flush=True)
        for name, flt in (("filtered", 'metrics.auc > 0.9 and params.model = "LR"'), ("unfiltered", "")):
            r = search_latency(url, exp, flt, a.searches)
            out[label][f"search_{name}"] = r
            print(json.dumps({"bench": "tracking", "case": f"search-{name}", "server": label, "runs": a.runs, "filter": flt, **r}), flush=True)
    o, m = out["ours"], out["mlflow"]
    print(json.dumps({
        "bench": "tracking", "case": "summary", "mlflow_version": mlflow.__version__, "runs": a.runs,
        "log_batch_throughput_ratio": round(o["log_batch"]["metrics_per_second"] / m["log_batch"]["metrics_per_second"], 2),
        "search_filtered_speedup": round(m["search_filtered"]["median_ms"] / o["search_filtered"]["median_ms"], 2),
        "search_unfiltered_speedup": round(m["search_unfiltered"]["median_ms"] / o["search_unfiltered"]["median_ms"], 2),
        "goal": "log-batch throughput >= 5x MLflow",
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
