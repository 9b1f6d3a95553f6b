#!/usr/bin/env bash
# The project's test command (`npm test`): lint, typecheck, the deployment files' check
# (deploy/check-deploy.mjs) and build, start the real local stack (Kafka, PostgreSQL, Redis) through
# deploy/local/stack.sh, run the unit and the integration tests, then stop whatever this script
# started. Prints a closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true

fail() { echo "test: $*" >&2; exit 1; }

[ -d node_modules/jest ] || fail "dependencies are not installed: run 'npm ci' first."
command -v java >/dev/null || fail "Java 17+ is needed for the local Kafka broker: install a JDK (apt-get install -y openjdk-17-jre-headless)."
command -v mvn >/dev/null || fail "Maven is needed to fetch the Kafka broker jars: install it (apt-get install -y maven)."

echo "== lint and typecheck"
npx nx show projects >/dev/null || fail "nx could not read the workspace"
npx eslint . || fail "lint failed"
npx tsc -p tsconfig.json || fail "typecheck failed"
echo "== deployment files (compose, Prometheus, Grafana dashboards vs config and code)"
node deploy/check-deploy.mjs || fail "deploy/check-deploy.mjs found deployment files out of step (see the FAIL lines)"
echo "== build"
npm run --silent build || fail "build failed"

# Start the stack unless it is already running; stop at exit only what we started.
started=()
for component in kafka postgres redis; do
  if ! bash deploy/local/stack.sh status "$component" >/dev/null 2>&1; then
    started+=("$component")
  fi
done
cleanup() {
  if [ ${#started[@]} -gt 0 ]; then
    echo "== stopping ${started[*]}"
    bash deploy/local/stack.sh stop "${started[@]}" || true
  fi
}
trap cleanup EXIT
echo "== starting the local stack (kafka postgres redis)"
bash deploy/local/stack.sh start kafka postgres redis || fail "the local stack did not start (see the log above)"

export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
export DATABASE_URL=${DATABASE_URL:-postgres://mlops:mlops@127.0.0.1:5432/mlops}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}

reports="$root/.local/test-reports"
mkdir -p "$reports"
rm -f "$reports"/*.json
jest() { node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js "$@"; }

status=0
echo "== unit tests"
jest --selectProjects unit --ci --maxWorkers=2 --json --outputFile="$reports/unit.json" || status=1
echo "== integration tests (real Kafka, PostgreSQL, Redis)"
jest --selectProjects integration --ci --runInBand --json --outputFile="$reports/integration.json" || status=1

node -e '
const fs = require("fs");
let passed = 0, failed = 0, suitesFailed = 0, ran = 0;
for (const f of ["unit", "integration"]) {
  const p = process.argv[1] + "/" + f + ".json";
  if (!fs.existsSync(p)) { console.log(f + ": no report (jest did not finish)"); failed++; continue; }
  const r = JSON.parse(fs.readFileSync(p, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests; suitesFailed += r.numRuntimeErrorTestSuites; ran += r.numTotalTests;
  console.log(f + ": " + r.numPassedTests + " passed, " + r.numFailedTests + " failed, " + r.numRuntimeErrorTestSuites + " suites failed to run");
}
if (ran === 0) console.log("no test ran");
console.log("tests: " + passed + " passed, " + (failed + suitesFailed) + " failed");
' "$reports"
exit $status
