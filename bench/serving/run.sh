#!/usr/bin/env bash
# bench:serving: single-row predictions for 10 s at 1 and at 50 connections against our REST and
# gRPC endpoints, a bare Node http server answering a constant (the ceiling), the same server
# answering from one onnxruntime run per event-loop turn (bare-ort) and the seed's FastAPI +
# uvicorn + xgboost stack (from .venv; skipped with a JSON note when missing). JSON lines. Needs the
# local stack (Kafka, Redis: bash deploy/local/stack.sh start).
#   bash bench/serving/run.sh [--seconds 10] [--connections 1,50] [--targets bare,bare-ort,rest,grpc,fastapi] [--baseline <dir>]
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b tsconfig.build.json >&2
node bench/serving/serving.bench.mjs "$@"
