#!/usr/bin/env bash
# `npm stop`: stops the seven services (SIGTERM, graceful) and then the local stack
# (Kafka, PostgreSQL, Redis, and Prometheus if it was started). Idempotent.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

status=0
bash scripts/services.sh stop || status=1
bash deploy/local/stack.sh stop || status=1
exit $status
