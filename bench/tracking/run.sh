#!/usr/bin/env bash
# bench:tracking: the registry (ours) against the real MLflow tracking server (PyPI `mlflow server`)
# on the same PostgreSQL server, each in a fresh database of its own (`registry_bench` and
# `mlflow_bench`, recreated each run, left for inspection), same run, same HTTP client: log-batch
# metrics/s and run-search latency at 10k runs. JSON lines.
#   bash bench/tracking/run.sh [--runs 10000] [--seconds 5 | --batches 40] [--rounds 5] [--threads 4] [--searches 20]
# Needs the local stack (bash deploy/local/stack.sh start kafka postgres) and .venv with mlflow and
# psycopg2 (pip install -r compat/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
py=.venv/bin/python
[ -x "$py" ] || { echo "bench:tracking: $py is missing: run 'bash scripts/py-env.sh' first" >&2; exit 1; }
"$py" -c "import mlflow, psycopg2" 2>/dev/null || { echo "bench:tracking: install mlflow: $py -m pip install -r compat/requirements.txt" >&2; exit 1; }
db_url=${DATABASE_URL:-postgres://mlops:mlops@127.0.0.1:5432/mlops}
ours_port=${BENCH_OURS_PORT:-43305} mlflow_port=${BENCH_MLFLOW_PORT:-43306}
npx tsc -b services/registry/tsconfig.app.json >&2
work=$(mktemp -d /tmp/bench-tracking.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

pg_base=${db_url%/*}
fresh_db() {
  psql "$db_url" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >&2
  psql "$db_url" -qc "CREATE DATABASE $1" >&2
}

# Ours, isolated from a running `npm start`: own port, own consumer group prefix, temp artifacts,
# its own database (the migrations run at boot).
fresh_db registry_bench
ours_db="$pg_base/registry_bench"
cp -r config "$work/config"
"$py" - "$work/config/${MLOPS_ENV:-development}.yaml" <<'PY'
import sys, yaml, os
p = sys.argv[1]
d = (yaml.safe_load(open(p)) if os.path.exists(p) else None) or {}
d.setdefault("kafka", {})["consumer_group_prefix"] = "mlops-bench-tracking"
yaml.safe_dump(d, open(p, "w"))
PY
MLOPS_CONFIG_DIR="$work/config" REGISTRY_HTTP_PORT=$ours_port REGISTRY_ARTIFACT_ROOT="$work/artifacts" DATABASE_URL="$ours_db" \
  LOG_LEVEL=warn node services/registry/dist/main.js >"$work/ours.log" 2>&1 &
pids+=($!)

# MLflow on the same PostgreSQL server, its own database.
fresh_db mlflow_bench
mlflow_db="postgresql+psycopg2://${pg_base#postgres://}/mlflow_bench"
"$py" -m mlflow server --backend-store-uri "$mlflow_db" --artifacts-destination "$work/mlflow-artifacts" \
  --host 127.0.0.1 --port "$mlflow_port" --workers 2 >"$work/mlflow.log" 2>&1 &
pids+=($!)

wait_http() {
  for _ in $(seq 1 180); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "bench:tracking: $1 did not answer; log tail:" >&2; tail -20 "$2" >&2; exit 1
}
wait_http "http://127.0.0.1:$ours_port/health/ready" "$work/ours.log"
wait_http "http://127.0.0.1:$mlflow_port/health" "$work/mlflow.log"
echo "{\"bench\":\"tracking\",\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc),\"mlflow_workers\":2}"
"$py" bench/tracking/tracking_bench.py --ours "http://127.0.0.1:$ours_port" --mlflow "http://127.0.0.1:$mlflow_port" \
  --ours-db "$ours_db" --mlflow-db "$pg_base/mlflow_bench" "$@"
echo "{\"bench\":\"tracking\",\"done\":true,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
