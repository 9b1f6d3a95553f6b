#!/usr/bin/env bash
# report:telco — the Telco churn model's charts and model report (PNG charts, report.json,
# self-contained report.html). See tools/report/README.md.
#
# Usage: bash tools/report/run.sh [--out reports/telco] [--trials 20] [--csv PATH] [--cv-folds N]
#   --out DIR       output directory (default reports/telco; reports/ is git-ignored)
#   --trials N      TPE trials on validation ROC-AUC (default 20; 0 = no tuning)
#   --csv PATH      input data (default config data.raw_path = data/raw/customer_data.csv)
#   --cv-folds N    cross-validation folds (default config training.cross_validation.n_folds; 0 = skip)
set -euo pipefail
cd "$(dirname "$0")/../.."

# Build (incremental): the command and the libs it references (@mlops/config, ml, reporting).
npx tsc -b tools/report/tsconfig.json >&2
node tools/report/dist/telco-report.js "$@"
