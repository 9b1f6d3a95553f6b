#!/usr/bin/env bash
# bench:scale: ours (gbdt, 100 trees of depth 6) on 1 and 2 threads against xgboost (hist) and
# lightgbm on 1 and 2 threads, on the same seeded synthetic churn-like data, each fit in its own
# process (peak RSS per process). Prints one JSON line per model and thread count.
#   bash bench/scale/run.sh --rows 1000000 [--seed 42] [--threads "1 2"]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=200000 seed=42 threads="1 2"
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "bench:scale: unknown argument $1 (use --rows N, --seed S, --threads \"1 2\")" >&2; exit 2 ;;
  esac
done
py=.venv/bin/python
[ -x "$py" ] || { echo "bench:scale: $py is missing: run 'bash scripts/py-env.sh' first" >&2; exit 1; }
npx tsc -b tsconfig.build.json >&2
npx tsc -p bench/scale/tsconfig.json >&2
data=$(mktemp -d /tmp/bench-scale.XXXXXX)
trap 'rm -rf "$data"' EXIT
node bench/scale/dist/generate.js --rows "$rows" --seed "$seed" --out "$data"
echo "{\"bench\":\"scale\",\"rows\":$rows,\"seed\":$seed,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc)}"
for t in $threads; do
  node bench/scale/dist/train.js --data "$data" --threads "$t"
  "$py" bench/scale/train_anchor.py --data "$data" --impl xgboost --threads "$t"
  "$py" bench/scale/train_anchor.py --data "$data" --impl lightgbm --threads "$t"
done
echo "{\"bench\":\"scale\",\"done\":true,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
