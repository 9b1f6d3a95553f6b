#!/usr/bin/env bash
# bench:shap: exact path-dependent TreeSHAP, ours (libs/ml explain, one thread) against xgboost's
# pred_contribs (1 and 2 threads) and shap's TreeExplainer (which delegates to pred_contribs for
# XGBoost models) and shap's own C++ TreeSHAP, on the same XGBoost model (Telco, 100 trees of depth
# 6, imported with our importXGBoostJson) and the same rows, in the same run. JSON lines.
#   bash bench/shap/run.sh [--rows 2000] [--trees 100] [--depth 6] [--repeats 3]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=2000 trees=100 depth=6 repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --trees) trees="$2"; shift 2 ;;
    --depth) depth="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "bench:shap: unknown argument $1 (use --rows N, --trees T, --depth D, --repeats R)" >&2; exit 2 ;;
  esac
done
py=.venv/bin/python
[ -x "$py" ] || { echo "bench:shap: $py is missing: run 'bash scripts/py-env.sh' first" >&2; exit 1; }
"$py" -c "import shap, xgboost" 2>/dev/null || { echo "bench:shap: install the reference packages: $py -m pip install -r compat/requirements.txt" >&2; exit 1; }
npx tsc -b tsconfig.build.json >&2
npx tsc -p bench/shap/tsconfig.json >&2
data=$(mktemp -d /tmp/bench-shap.XXXXXX)
trap 'rm -rf "$data"' EXIT
echo "{\"bench\":\"shap\",\"rows\":$rows,\"trees\":$trees,\"depth\":$depth,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc)}"
"$py" bench/shap/shap_anchor.py --out "$data" --rows "$rows" --trees "$trees" --depth "$depth" --repeats "$repeats" 2> >(grep -v -i warn >&2)
node bench/shap/dist/shap.bench.js --data "$data" --repeats "$repeats"
echo "{\"bench\":\"shap\",\"done\":true,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
