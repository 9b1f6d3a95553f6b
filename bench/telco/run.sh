#!/usr/bin/env bash
# bench:telco: our learners against xgboost, lightgbm and scikit-learn on the Telco data, same
# split, same preprocessed numbers, same metric code. Prints one JSON object per line on stdout
# (progress goes to stderr) and keeps them in <out>/results.jsonl. See bench/README.md.
#
# Usage: bash bench/telco/run.sh [--out DIR] [--repeats N] [--seeds N]
#   --out DIR     data directory (default reports/bench-telco; reports/ is git-ignored)
#   --repeats N   fits per model and impl, fit_seconds is their median (default 3)
#   --seeds N     random_state values for the spread lines of the sampled models (default 5; 1 = off)
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=reports/bench-telco
REPEATS=3
SEEDS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    *) echo "bench:telco: unknown option $1 (use --out DIR, --repeats N, --seeds N)" >&2; exit 2 ;;
  esac
done

# Python anchors: create the venv when it is missing or lacks the packages.
if ! .venv/bin/python -c 'import numpy, sklearn, xgboost, lightgbm' >/dev/null 2>&1; then
  echo "bench:telco: creating .venv (scripts/py-env.sh)" >&2
  bash scripts/py-env.sh >&2
fi

# Build (incremental): the bench and the libs it references (@mlops/config, @mlops/ml).
npx tsc -b bench/telco/tsconfig.json >&2

mkdir -p "$OUT"
rm -f "$OUT"/proba_*.f64 "$OUT"/fits_*.json "$OUT"/results.jsonl
node bench/telco/dist/prepare.js --out "$OUT" --repeats "$REPEATS" --seeds "$SEEDS"
node bench/telco/dist/train-ours.js --data "$OUT"
.venv/bin/python bench/telco/train_anchor.py --data "$OUT"
node bench/telco/dist/report.js --data "$OUT" | tee "$OUT/results.jsonl"
