#!/usr/bin/env bash
# The seven services as background processes of this machine, run from their build
# (services/<name>/dist/main.js; `npm run build` first).
#
#   scripts/services.sh start  [NAME...]   start (unless running), wait until /health/ready answers 200
#   scripts/services.sh stop   [NAME...]   SIGTERM, wait for the graceful exit (SIGKILL after 30 s)
#   scripts/services.sh status [NAME...]   one line per service; exit 0 iff all are running and ready
#
# NAME: ingestion validation drift training registry serving experiments (default: all seven).
# Logs: .local/logs/<name>.log (JSON lines, appended); pidfiles: .local/run/<name>.pid.
# Ports come from the platform config (config/*.yaml, MLOPS_ENV, <NAME>_HTTP_PORT, ...), which is
# validated before anything starts. The services read KAFKA_BROKERS, DATABASE_URL, REDIS_URL, ...
# from the environment; without them, the local stack's defaults on 127.0.0.1.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${MLOPS_STACK_DIR:-$ROOT/.local}"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
ALL=(ingestion validation drift training registry serving experiments)
START_TIMEOUT="${SERVICES_START_TIMEOUT:-120}"
STOP_TIMEOUT="${SERVICES_STOP_TIMEOUT:-30}"

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}
usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

pid_alive() {
  local pid="${1:-}" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ "$state" != "Z" ]]
}

pid_of() { [[ -f "$RUN_DIR/$1.pid" ]] && cat "$RUN_DIR/$1.pid" || true; }

# The pidfile's process is ours only if it still runs this service's main.js.
running_pid() {
  local pid
  pid="$(pid_of "$1")"
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "services/$1/dist/main.js"; then
    echo "$pid"
  fi
}

declare -A PORT=()
# Reads every service's HTTP port from the validated config (fails with the config's error list).
load_ports() {
  local lines
  lines="$(cd "$ROOT" && node --input-type=module -e "
    import { loadConfig } from '@mlops/config';
    try {
      const c = loadConfig();
      for (const [name, s] of Object.entries(c.services)) console.log(name + ' ' + s.http_port);
    } catch (e) { console.error(e.message); process.exit(1); }
  ")" || die "the platform config is invalid (above); fix it before starting services"
  while read -r name port; do PORT[$name]="$port"; done <<<"$lines"
}

http_status() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

NAMES=()
# Sets NAMES to the arguments (checked) or to all seven services.
select_names() {
  if [[ $# -eq 0 ]]; then
    NAMES=("${ALL[@]}")
    return
  fi
  local n k known
  for n in "$@"; do
    known=0
    for k in "${ALL[@]}"; do [[ "$n" == "$k" ]] && known=1; done
    [[ $known -eq 1 ]] || die "unknown service '$n' (one of: ${ALL[*]})"
    NAMES+=("$n")
  done
}

start() {
  local names=("$@") name pid started=() missing=()
  command -v curl >/dev/null || die "curl is needed to probe /health/ready (apt-get install -y curl)"
  for name in "${names[@]}"; do
    [[ -f "$ROOT/services/$name/dist/main.js" ]] || missing+=("$name")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "not built: ${missing[*]} (services/<name>/dist/main.js missing): run 'npm run build' first"
  load_ports
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  for name in "${names[@]}"; do
    pid="$(running_pid "$name")"
    if [[ -n "$pid" ]]; then
      log "$name already running (pid $pid)"
      continue
    fi
    (
      cd "$ROOT" || exit 1
      nohup node "services/$name/dist/main.js" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
      echo $! >"$RUN_DIR/$name.pid"
    )
    log "$name starting (pid $(pid_of "$name"), log $LOG_DIR/$name.log)"
    started+=("$name")
  done
  local deadline=$((SECONDS + START_TIMEOUT)) t0=$SECONDS pending failed=()
  pending=("${names[@]}")
  while [[ ${#pending[@]} -gt 0 ]]; do
    local next=()
    for name in "${pending[@]}"; do
      pid="$(running_pid "$name")"
      if [[ -z "$pid" ]]; then
        log "$name exited during boot; last lines of $LOG_DIR/$name.log:"
        tail -n 15 "$LOG_DIR/$name.log" >&2 || true
        failed+=("$name")
      elif [[ "$(http_status "http://127.0.0.1:${PORT[$name]}/health/ready")" == "200" ]]; then
        log "$name ready on http://127.0.0.1:${PORT[$name]} ($((SECONDS - t0)) s)"
      else
        next+=("$name")
      fi
    done
    pending=("${next[@]+"${next[@]}"}")
    [[ ${#pending[@]} -eq 0 ]] && break
    if [[ $SECONDS -ge $deadline ]]; then
      for name in "${pending[@]}"; do
        log "$name not ready after ${START_TIMEOUT} s; /health/ready says:"
        curl -s -m 3 "http://127.0.0.1:${PORT[$name]}/health/ready" >&2 || true
        echo >&2
        failed+=("$name")
      done
      break
    fi
    sleep 0.5
  done
  [[ ${#failed[@]} -eq 0 ]] || die "not ready: ${failed[*]} (see their logs in $LOG_DIR)"
}

stop() {
  local names=("$@") name pid
  local -a waiting=()
  for name in "${names[@]}"; do
    pid="$(running_pid "$name")"
    if [[ -z "$pid" ]]; then
      rm -f "$RUN_DIR/$name.pid"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    waiting+=("$name:$pid")
  done
  local deadline=$((SECONDS + STOP_TIMEOUT)) entry
  for entry in "${waiting[@]+"${waiting[@]}"}"; do
    name="${entry%%:*}"
    pid="${entry##*:}"
    while pid_alive "$pid" && [[ $SECONDS -lt $deadline ]]; do sleep 0.2; done
    if pid_alive "$pid"; then
      log "$name did not stop within ${STOP_TIMEOUT} s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      log "$name stopped"
    fi
    rm -f "$RUN_DIR/$name.pid"
  done
}

status() {
  local names=("$@") name pid code ok=0
  load_ports
  for name in "${names[@]}"; do
    pid="$(running_pid "$name")"
    if [[ -z "$pid" ]]; then
      printf '%-12s stopped  127.0.0.1:%s\n' "$name" "${PORT[$name]}"
      ok=1
      continue
    fi
    code="$(http_status "http://127.0.0.1:${PORT[$name]}/health/ready")"
    if [[ "$code" == "200" ]]; then
      printf '%-12s ready    127.0.0.1:%s   pid %s\n' "$name" "${PORT[$name]}" "$pid"
    else
      printf '%-12s running  127.0.0.1:%s   pid %s   not ready (/health/ready: %s)\n' "$name" "${PORT[$name]}" "$pid" "${code:-no answer}"
      ok=1
    fi
  done
  return $ok
}

main() {
  local command="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$command" in
    start | stop | status) select_names "$@" ;;
  esac
  case "$command" in
    start) start "${NAMES[@]}" ;;
    stop) stop "${NAMES[@]}" ;;
    status) status "${NAMES[@]}" ;;
    -h | --help | help) usage ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
