#!/usr/bin/env bash
# bench:drift: data drift on 20 columns (14 numeric, 6 categorical), --rows reference and --rows
# current rows (seeded, some columns shifted), ours (libs/drift driftReport) against Evidently
# 0.7's DataDriftPreset (compat/drift/.venv) on the same data, written once as binary, in the same
# run; each side in its own process (so peak RSS is its own). JSON lines, then a summary line.
#   bash bench/drift/run.sh [--rows 1000000] [--seed 42] [--repeats 1]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=1000000 seed=42 repeats=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "bench:drift: unknown argument $1 (use --rows N, --seed S, --repeats R)" >&2; exit 2 ;;
  esac
done
py=compat/drift/.venv/bin/python
[ -x "$py" ] || { echo "bench:drift: $py is missing: run 'bash compat/drift/py-env.sh' first" >&2; exit 1; }
npx tsc -b libs/drift/tsconfig.lib.json >&2
npx tsc -p bench/drift/tsconfig.json >&2
data=$(mktemp -d /tmp/bench-drift.XXXXXX)
trap 'rm -rf "$data"' EXIT
echo "{\"bench\":\"drift\",\"rows\":$rows,\"seed\":$seed,\"load_avg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc)}"
"$py" bench/drift/generate.py --out "$data" --rows "$rows" --seed "$seed"
ours=$(node bench/drift/dist/drift.bench.js --data "$data" --repeats "$repeats")
echo "$ours"
theirs=$("$py" bench/drift/evidently_anchor.py --data "$data" 2> >(grep -v -i warn >&2))
echo "$theirs"
node -e '
const [o, e] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
const ratio = o.seconds / e.seconds;
console.log(JSON.stringify({ bench: "drift", summary: true, time_ratio_ours_over_evidently: Math.round(ratio * 1000) / 1000,
  goal_half_time: ratio <= 0.5, same_drifted_set: JSON.stringify(o.drifted) === JSON.stringify(e.drifted),
  rss_ratio_ours_over_evidently: Math.round(o.peak_rss_mb / e.peak_rss_mb * 1000) / 1000,
  load_avg: require("fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") }));
' "$ours" "$theirs"
