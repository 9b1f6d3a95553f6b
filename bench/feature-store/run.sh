#!/usr/bin/env bash
# bench:feature-store: one customer's features from the Redis feature store (p50/p99, sequential
# and concurrent) against redis-benchmark GET on the same Redis, in the same run. JSON lines.
#   bash bench/feature-store/run.sh [--calls 20000] [--concurrency 50] [--requests 100000] [--repeats 3]
# Needs the local Redis: `bash deploy/local/stack.sh start redis` (REDIS_URL overrides the config).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v redis-benchmark >/dev/null || { echo "bench:feature-store: redis-benchmark is missing; it comes with redis-server (apt-get install -y redis-server)" >&2; exit 1; }
npx tsc -b libs/feature-store/tsconfig.lib.json >&2
npx tsc -p bench/feature-store/tsconfig.json >&2
node bench/feature-store/dist/feature-store.bench.js "$@"
