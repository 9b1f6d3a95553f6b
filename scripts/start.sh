#!/usr/bin/env bash
# `npm start`: the main job until the pipeline exists. Builds the workspace, starts the local stack
# (Kafka, PostgreSQL, Redis on 127.0.0.1; installed when missing, see deploy/local/stack.sh), then
# the seven services from their build, and prints where they answer. Idempotent: what already runs
# is left running. Stop everything with `npm stop` (scripts/stop.sh).
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== build"
npm run --silent build

echo "== local stack (kafka postgres redis)"
bash deploy/local/stack.sh start kafka postgres redis
# The stack's endpoints, unless the caller chose others.
while IFS= read -r line; do
  assignment="${line#export }"
  name="${assignment%%=*}"
  [[ -n "${!name:-}" ]] || export "$assignment"
done < <(bash deploy/local/stack.sh env)

echo "== services"
bash scripts/services.sh start

echo
echo "The platform is up (logs: .local/logs/<name>.log; stop: npm stop)."
bash scripts/services.sh status | while read -r name state address _; do
  printf '  %-12s http://%s   /health/ready /metrics /system/info\n' "$name" "$address"
done
echo "  kafka        $KAFKA_BROKERS"
echo "  postgres     $(printf '%s' "$DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#')"
echo "  redis        $REDIS_URL"
