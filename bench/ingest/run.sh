#!/usr/bin/env bash
# bench:ingest: rows per second into PostgreSQL through the ingestion service, with the peak RSS of
# the service process, and the anchor (psql \copy of the same file into a plain table on the same
# PostgreSQL: the ceiling). JSON lines. Needs the local stack (bash deploy/local/stack.sh start).
#   bash bench/ingest/run.sh [--rows 1000000] [--events 50000]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=1000000 events=50000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    *) echo "bench:ingest: unknown argument $1 (use --rows N, --events N)" >&2; exit 2 ;;
  esac
done
command -v psql >/dev/null || { echo "bench:ingest: psql is needed for the anchor (apt-get install -y postgresql-client)" >&2; exit 1; }
npx tsc -b tsconfig.build.json >&2
node bench/ingest/ingest.bench.mjs --rows "$rows" --events "$events"
