#!/usr/bin/env bash
# Creates compat/drift/.venv with scipy and Evidently (pandas < 3) for record_fixtures.py.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
echo "compat/drift/.venv ready: $(.venv/bin/python -c "import evidently,scipy,pandas;print(\"evidently\",evidently.__version__,\"scipy\",scipy.__version__,\"pandas\",pandas.__version__)")"
