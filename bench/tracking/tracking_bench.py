"""bench:tracking: the registry's tracking API against the real MLflow tracking server, same run,
same PostgreSQL, same HTTP client and requests (MLflow REST: /api/2.0/mlflow/...). JSON lines.

Measures, for each server:
- log-batch throughput: metrics per second through runs/log-batch (batches of 1000 metrics,
  `--threads` concurrent clients, one run each, posting for `--seconds`, or `--batches` batches
  in all), after an uncounted 2-second warm-up round, measured `--rounds` times with the two
  servers alternating (ours, mlflow, ours, mlflow, ...) so that both see the same background load;
  the summary takes the median round of each;
- run-search latency at `--runs` runs (each with 2 params and 3 metrics, logged by one log-batch):
  runs/search with `metrics.auc > 0.9 and params.model = "LR"` (AND), and without a filter,
  max_results 100, median and p95 of `--searches` calls after 3 warm-up calls, with fresh planner
  statistics (ANALYZE of each server's database after seeding, when --ours-db/--mlflow-db given).
Run through bench/tracking/run.sh (starts both servers).
"""

from __future__ import annotations

import argparse
import itertools
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


def log_batch_throughput(url: str, label: str, seconds: float, threads: int, batches: int | None = None) -> dict:
    """`threads` clients post batches of 1000 metrics (one run each) for `seconds`, or until
    `batches` batches in all when given; metrics/s over the time until the last batch answered."""
    exp = new_experiment(url, label)
    runs = [new_run(url, exp) for _ in range(threads)]
    now = int(time.time() * 1000)
    counter = itertools.count(1)  # next() is atomic under the GIL

    def one(run: str, i: int) -> None:
        metrics = [{"key": f"m{k % 20}", "value": float(k) / 7.0, "timestamp": now + k, "step": i * 1000 + k} for k in range(1000)]
        post(url, "runs/log-batch", {"run_id": run, "metrics": metrics})

    def client(run: str, deadline: float) -> int:
        done = 0
        while batches is not None or time.perf_counter() < deadline:
            i = next(counter)
            if batches is not None and i > batches:
                break
            one(run, i)
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        posted = sum(pool.map(client, runs, [started + seconds] * threads))
    elapsed = time.perf_counter() - started
    return {"metrics_per_second": round(posted * 1000 / elapsed), "batches": posted, "threads": threads, "seconds": round(elapsed, 3),
            "load_avg_1m": load_avg()}


def load_avg() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


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


def analyze(db_url: str) -> None:
    """Fresh planner statistics after the bulk load (what autovacuum would reach on its own)."""
    import psycopg2

    conn = psycopg2.connect(db_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    finally:
        conn.close()


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
    p.add_argument("--seconds", type=float, default=5.0, help="duration of one log-batch round")
    p.add_argument("--batches", type=int, help="a fixed number of batches per round instead of --seconds")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--searches", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--ours-db", help="PostgreSQL URL of our server's database: ANALYZE after seeding")
    p.add_argument("--mlflow-db", help="PostgreSQL URL of MLflow's database: ANALYZE after seeding")
    a = p.parse_args()
    import mlflow  # only for its version

    servers = {"ours": a.ours, "mlflow": a.mlflow}
    databases = {"ours": a.ours_db, "mlflow": a.mlflow_db}
    out: dict[str, dict] = {}
    for label, url in servers.items():  # warm-up round, not counted: JIT, connection pools, caches
        log_batch_throughput(url, label, 2.0, a.threads)
    rounds: dict[str, list[dict]] = {label: [] for label in servers}
    for i in range(a.rounds):
        for label, url in servers.items():
            r = log_batch_throughput(url, label, a.seconds, a.threads, a.batches)
            rounds[label].append(r)
            print(json.dumps({"bench": "tracking", "case": "log-batch", "server": label, "round": i + 1, **r}), flush=True)
    for label in servers:
        ordered = sorted(rounds[label], key=lambda r: r["metrics_per_second"])
        out.setdefault(label, {})["log_batch"] = ordered[len(ordered) // 2]
    for label, url in servers.items():
        exp, seconds = seed(url, label, a.runs, 8)
        print(json.dumps({"bench": "tracking", "case": "seed", "server": label, "runs": a.runs, "seconds": round(seconds, 1),
                          "runs_per_second": round(a.runs / seconds)}), flush=True)
        if databases[label]:
            analyze(databases[label])
        for name, flt in (("filtered", 'metrics.auc > 0.9 and params.model = "LR"'), ("unfiltered", "")):
            r = search_latency(url, exp, flt, a.searches)
            out[label][f"search_{name}"] = r
            print(json.dumps({"bench": "tracking", "case": f"search-{name}", "server": label, "runs": a.runs, "filter": flt, **r}), flush=True)
    o, m = out["ours"], out["mlflow"]
    print(json.dumps({
        "bench": "tracking", "case": "summary", "mlflow_version": mlflow.__version__, "runs": a.runs,
        "log_batch_metrics_per_second": {"ours": o["log_batch"]["metrics_per_second"], "mlflow": m["log_batch"]["metrics_per_second"]},
        "log_batch_throughput_ratio": round(o["log_batch"]["metrics_per_second"] / m["log_batch"]["metrics_per_second"], 2),
        "log_batch_round_ratios": [round(x["metrics_per_second"] / y["metrics_per_second"], 2) for x, y in zip(rounds["ours"], rounds["mlflow"])],
        "search_median_ms": {k: {"ours": o[f"search_{k}"]["median_ms"], "mlflow": m[f"search_{k}"]["median_ms"]} for k in ("filtered", "unfiltered")},
        "search_filtered_speedup": round(m["search_filtered"]["median_ms"] / o["search_filtered"]["median_ms"], 2),
        "search_unfiltered_speedup": round(m["search_unfiltered"]["median_ms"] / o["search_unfiltered"]["median_ms"], 2),
        "goal": "log-batch throughput >= 5x MLflow",
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
