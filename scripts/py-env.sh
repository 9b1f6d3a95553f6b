#!/usr/bin/env bash
# Creates .venv with the Python reference packages (compat scripts and benchmarks only).
# Usage: bash scripts/py-env.sh   then   .venv/bin/python compat/...
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install --quiet --disable-pip-version-check -r compat/requirements.txt
echo ".venv ready: $(.venv/bin/python -c 'import sklearn,xgboost,lightgbm;print("sklearn",sklearn.__version__,"xgboost",xgboost.__version__,"lightgbm",lightgbm.__version__)')"
