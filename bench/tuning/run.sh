#!/usr/bin/env bash
# bench:tuning: our TPE (libs/ml tuning, Optuna's defaults) + MedianPruner with our gbdt against
# Optuna's TPESampler + MedianPruner with xgboost (hist), 50 trials each, on the identical
# Telco split and preprocessed numbers (exported by prepare.js), the config's xgboost search
# space, over 5 seeds, in the same run. One JSON line per seed and implementation, then a summary
# line with medians.
#   bash bench/tuning/run.sh [--seeds "0 1 2 3 4"] [--trials 50] [--workers 1] [--early-stopping 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds="0 1 2 3 4" trials=50 workers=1 es=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --trials) trials="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --early-stopping) es="$2"; shift 2 ;;
    *) echo "bench:tuning: unknown argument $1 (use --seeds \"0 1\", --trials N, --workers N, --early-stopping N)" >&2; exit 2 ;;
  esac
done
py=.venv/bin/python
[ -x "$py" ] || { echo "bench:tuning: $py is missing: run 'bash scripts/py-env.sh' first" >&2; exit 1; }
"$py" -c "import optuna, xgboost" 2>/dev/null || { echo "bench:tuning: optuna/xgboost missing in .venv: .venv/bin/pip install -r compat/requirements.txt" >&2; exit 1; }
npx tsc -b tsconfig.build.json >&2
npx tsc -b bench/tuning/tsconfig.json >&2
data=$(mktemp -d /tmp/bench-tuning.XXXXXX)
lines="$data/lines.jsonl"
trap 'rm -rf "$data"' EXIT
node bench/tuning/dist/prepare.js --out "$data"
echo "{\"bench\":\"tuning\",\"trials\":$trials,\"workers\":$workers,\"early_stopping\":$es,\"seeds\":\"$seeds\",\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc)}"
for s in $seeds; do
  node bench/tuning/dist/tune-ours.js --data "$data" --seed "$s" --trials "$trials" --workers "$workers" --early-stopping "$es" | tee -a "$lines"
  "$py" bench/tuning/tune_optuna.py --data "$data" --seed "$s" --trials "$trials" --workers "$workers" --early-stopping "$es" | tee -a "$lines"
done
"$py" bench/tuning/summary.py < "$lines"
