#!/usr/bin/env bash
# Local infrastructure without Docker: a real Apache Kafka 4.x broker (KRaft, jars from Maven
# Central), PostgreSQL and Redis (Debian packages), optionally Prometheus, all on 127.0.0.1.
#
#   deploy/local/stack.sh start   [COMPONENT...]   install what is missing, start, wait until ready
#   deploy/local/stack.sh stop    [COMPONENT...]   stop cleanly (idempotent)
#   deploy/local/stack.sh restart [COMPONENT...]
#   deploy/local/stack.sh status  [COMPONENT...]   one line per component; exit 0 iff all running
#   deploy/local/stack.sh env                      print the env the services use (eval-able)
#   deploy/local/stack.sh reset   [COMPONENT...]   stop, then delete data (Kafka jars are kept)
#
# COMPONENT: kafka | postgres | redis | prometheus | all (= kafka postgres redis)
#            | all+prometheus (= all four). Default: all; `stop` and `reset` default to all four.
#
# State, data and logs live in <repo>/.local/ (override with MLOPS_STACK_DIR). Ports:
# KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), POSTGRES_PORT (5432), REDIS_PORT (6379),
# PROMETHEUS_PORT (9090). See deploy/README.md.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DEPLOY_DIR="$REPO_ROOT/deploy"
STACK_DIR="${MLOPS_STACK_DIR:-$REPO_ROOT/.local}"
LOG_DIR="$STACK_DIR/logs"
HOST=127.0.0.1

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
POSTGRES_PORT="${POSTGRES_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
POSTGRES_USER="${POSTGRES_USER:-mlops}"
POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-mlops}"
POSTGRES_DB="${POSTGRES_DB:-mlops}"

KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m}"
POSTGRES_START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
PROMETHEUS_START_TIMEOUT="${PROMETHEUS_START_TIMEOUT:-60}"

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_POM="$DEPLOY_DIR/kafka/pom.xml"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$LOG_DIR/kafka.log"
REDIS_DIR="$STACK_DIR/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"
PROM_DIR="$STACK_DIR/prometheus"
PROM_PIDFILE="$PROM_DIR/prometheus.pid"
PROM_LOG="$LOG_DIR/prometheus.log"
PROM_CONFIG="${PROMETHEUS_CONFIG:-$DEPLOY_DIR/prometheus/prometheus.yml}"
PG_LOG="$LOG_DIR/postgres.log"

ALL_COMPONENTS=(kafka postgres redis prometheus)
CORE_COMPONENTS=(kafka postgres redis)

# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
log() { printf '[stack] %s\n' "$*" >&2; }
die() {
  printf '[stack] ERROR: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

usage() {
  # the header comment of this file, up to the first line of code
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

# A process is alive if it exists and is not a zombie (kill -0 succeeds on zombies).
pid_alive() {
  local pid="${1:-}" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# pid_cmd_matches PID SUBSTRING: guards against stale pidfiles whose pid was reused.
pid_cmd_matches() {
  local pid="$1" needle="$2" cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$needle"* ]]
}

read_pidfile() {
  local f="$1"
  [[ -r "$f" ]] || return 0
  head -n1 "$f" | tr -dc '0-9'
}

# The port a running component was started with (recorded beside its pidfile), else the
# configured one. A component is "running" only if it listens on that port.
recorded_port() {
  local file="$1" configured="$2" pid="$3" p=""
  [[ -n "$pid" && -r "$file" ]] && p="$(tr -dc '0-9' <"$file")"
  echo "${p:-$configured}"
}

# refuse_port_change NAME RUNNING_PORT CONFIGURED_PORT VAR
refuse_port_change() {
  if [[ "$2" != "$3" ]]; then
    die "$1 is already running on $HOST:$2 but $4=$3 was asked for: stop it first (deploy/local/stack.sh stop $1), or unset $4"
  fi
}

# Something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# wait_gone PID TIMEOUT_S -> 0 when the process is gone (or a zombie), 1 on timeout.
wait_gone() {
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  # Reap it if it is our own child (no-op otherwise), so no zombie is left behind.
  wait "$pid" 2>/dev/null || true
  return 0
}

# terminate PID NAME TIMEOUT_S: SIGTERM, wait, then SIGKILL as a last resort.
terminate() {
  local pid="$1" name="$2" timeout="$3"
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$timeout"; then
    log "$name (pid $pid) did not stop within ${timeout}s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "$name (pid $pid) survived SIGKILL"
  fi
}

# show_log_tail FILE [LINES] [BYTE_OFFSET]: the end of a log, only what was written after
# BYTE_OFFSET (this start attempt) when given.
show_log_tail() {
  local file="$1" lines="${2:-40}" offset="${3:-0}"
  if [[ -s "$file" ]]; then
    printf '[stack] ---- last %s lines of %s (this attempt) ----\n' "$lines" "$file" >&2
    tail -c +"$((offset + 1))" "$file" | tail -n "$lines" >&2
    printf '[stack] ---- end of %s ----\n' "$file" >&2
  else
    printf '[stack] (log %s is empty or missing)\n' "$file" >&2
  fi
}

ensure_port_free() {
  local port="$1" name="$2"
  if port_open "$port"; then
    die "$name: port $HOST:$port is already in use by another process (not started by this script). Stop it (ss -ltnp 'sport = :$port' shows who) or choose another port with the ${name^^}_PORT variable."
  fi
}

APT_UPDATED=0
POLICY_RC_CREATED=0
cleanup_policy_rc() {
  if ((POLICY_RC_CREATED)); then
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=0
  fi
}
trap cleanup_policy_rc EXIT

# apt_install PKG...: `apt-get update` once per run, then install. Package maintainer scripts are
# kept from starting system services (they would take our ports) with a temporary policy-rc.d.
apt_install() {
  if ((EUID != 0)); then
    die "missing packages: $*. Install them first: sudo apt-get install -y $*"
  fi
  command -v apt-get >/dev/null || die "missing packages: $* (and apt-get is not available): install them with your package manager"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from deploy/local/stack.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    apt-get -q -o DPkg::Lock::Timeout=600 update >"$LOG_DIR/apt.log" 2>&1 || {
      show_log_tail "$LOG_DIR/apt.log" 20
      die "apt-get update failed"
    }
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1 || {
    show_log_tail "$LOG_DIR/apt.log" 30
    die "apt-get install $* failed"
  }
  cleanup_policy_rc
}

# ----------------------------------------------------------------------------------------------
# Kafka
# ----------------------------------------------------------------------------------------------
kafka_port() { recorded_port "$KAFKA_DIR/kafka.port" "$KAFKA_PORT" "$(kafka_pid)"; }

kafka_pid() {
  local pid
  pid="$(read_pidfile "$KAFKA_PIDFILE")"
  if pid_alive "$pid" && pid_cmd_matches "$pid" "kafka.Kafka"; then echo "$pid"; fi
}

kafka_running() { [[ -n "$(kafka_pid)" ]] && port_open "$(kafka_port)"; }

kafka_ensure_tools() {
  local missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v node >/dev/null || die "node is required for the Kafka readiness check (deploy/local/kafka-ready.mjs): install Node.js 20"
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }')"
  major="${major%%.*}"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka 4.x needs Java 17 or newer; 'java' is version ${major:-unknown}. Install openjdk-17-jre-headless or put a newer java first in PATH."
  fi
  [[ -d "$REPO_ROOT/node_modules/kafkajs" ]] ||
    die "kafkajs is missing from $REPO_ROOT/node_modules (needed by deploy/local/kafka-ready.mjs): run 'npm ci' at the repository root"
}

# The jars are resolved once and cached; a changed pom.xml triggers a fresh resolution.
kafka_ensure_libs() {
  local want have=""
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  [[ -r "$KAFKA_LIBS/.pom.sha256" ]] && have="$(cat "$KAFKA_LIBS/.pom.sha256")"
  if [[ "$want" == "$have" ]] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  local t0 tmp="$KAFKA_DIR/libs.tmp"
  t0="$(now)"
  log "kafka: resolving the broker jars from Maven Central (deploy/kafka/pom.xml) into $KAFKA_LIBS"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOG_DIR/kafka-maven.log" 2>&1; then
    show_log_tail "$LOG_DIR/kafka-maven.log" 40
    die "kafka: Maven could not resolve the broker jars (see $LOG_DIR/kafka-maven.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "kafka: Maven finished but no kafka_2.13 jar is in $tmp"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars resolved in $(elapsed "$t0")s"
}

# The JVM command line shared by the storage tool and the broker (the same jars for both).
kafka_java_cmd() {
  # shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is a list of JVM flags
  KAFKA_JAVA=(java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$DEPLOY_DIR/kafka/log4j2.properties" "-Dkafka.logs.dir=$LOG_DIR"
    -Dlog4j2.shutdownHookEnabled=false
    -cp "$KAFKA_LIBS/*")
}

kafka_java() {
  kafka_java_cmd
  "${KAFKA_JAVA[@]}" "$@" 9>&-
}

kafka_write_config() {
  sed -e "s#^controller\.quorum\.voters=.*#controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT#" \
    -e "s#^listeners=.*#listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT#" \
    -e "s#^advertised\.listeners=.*#advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT#" \
    -e "s#^log\.dirs=.*#log.dirs=$KAFKA_DIR/data#" \
    "$DEPLOY_DIR/kafka/server.properties" >"$KAFKA_DIR/server.properties"
}

kafka_format_storage() {
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  local cluster_id
  if [[ -s "$KAFKA_DIR/cluster-id" ]]; then
    cluster_id="$(cat "$KAFKA_DIR/cluster-id")"
  else
    # What `StorageTool random-uuid` prints (Kafka's Uuid.randomUuid: 16 random bytes, base64url
    # without padding, never starting with '-'), without paying for a JVM start.
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    echo "$cluster_id" >"$KAFKA_DIR/cluster-id"
  fi
  log "kafka: formatting storage $KAFKA_DIR/data (cluster id $cluster_id)"
  mkdir -p "$KAFKA_DIR/data"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
    >>"$LOG_DIR/kafka-format.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-format.log"
    die "kafka: storage format failed (see $LOG_DIR/kafka-format.log)"
  }
}

kafka_ready() {
  node "$SCRIPT_DIR/kafka-ready.mjs" --brokers "$HOST:$KAFKA_PORT" --timeout-ms 5000 --quiet 2>>"$LOG_DIR/kafka-ready.log"
}

kafka_start() {
  if kafka_running; then
    refuse_port_change kafka "$(kafka_port)" "$KAFKA_PORT" KAFKA_PORT
    log "kafka: already running (pid $(kafka_pid), $HOST:$KAFKA_PORT)"
    return 0
  fi
  local stale
  stale="$(kafka_pid)"
  if [[ -n "$stale" ]]; then
    # Process alive but port not open: a previous start that is still booting, or stuck.
    log "kafka: pid $stale is alive but $HOST:$KAFKA_PORT is not open; waiting for it"
  else
    kafka_ensure_tools
    mkdir -p "$KAFKA_DIR"
    kafka_ensure_libs
    ensure_port_free "$KAFKA_PORT" kafka
    ensure_port_free "$KAFKA_CONTROLLER_PORT" kafka_controller
    kafka_write_config
    kafka_format_storage
  fi

  local t0 offset=0 pid deadline
  t0="$(now)"
  if [[ -z "$stale" ]]; then
    touch "$KAFKA_LOG"
    offset="$(stat -c %s "$KAFKA_LOG")"
    printf '==== stack.sh start %s ====\n' "$(date -Is)" >>"$KAFKA_LOG"
    # setsid: the broker leaves our session, so a Ctrl-C or a closing terminal does not reach it.
    # 9>&-: the broker must not inherit the stack lock.
    kafka_java_cmd
    (cd "$KAFKA_DIR" && exec setsid "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties") \
      >>"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$KAFKA_PIDFILE"
    echo "$KAFKA_PORT" >"$KAFKA_DIR/kafka.port"
  else
    pid="$stale"
  fi

  deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  local seen_started=0
  while :; do
    if ! pid_alive "$pid"; then
      wait "$pid" 2>/dev/null || true
      rm -f "$KAFKA_PIDFILE"
      show_log_tail "$KAFKA_LOG" 60 "$offset"
      die "kafka: the broker exited during start-up (log above, full log in $KAFKA_LOG)"
    fi
    if ((seen_started == 0)) && tail -c +"$((offset + 1))" "$KAFKA_LOG" | grep -q 'Kafka Server started'; then
      seen_started=1
    fi
    if ((seen_started)) && kafka_ready; then
      break
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$KAFKA_LOG" 60 "$offset"
      [[ -s "$LOG_DIR/kafka-ready.log" ]] && tail -n 3 "$LOG_DIR/kafka-ready.log" >&2
      log "kafka: not ready after ${KAFKA_START_TIMEOUT}s; stopping the half-started broker"
      terminate "$pid" kafka "$KAFKA_STOP_TIMEOUT"
      rm -f "$KAFKA_PIDFILE"
      # Seen here: a local broker whose data had grown to 640 partitions and 5,700 consumer groups of
      # earlier test runs (7.9 GB) answered "The coordinator is loading" for minutes after loading.
      local partitions
      partitions="$(find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)"
      die "kafka: not ready within ${KAFKA_START_TIMEOUT}s (raise KAFKA_START_TIMEOUT on a slow machine; its data holds ${partitions} partition directories, $(du -sh "$KAFKA_DIR/data" 2>/dev/null | cut -f1): when that is mostly earlier test topics, 'deploy/local/stack.sh reset kafka' starts it empty)"
    fi
    sleep 0.5
  done
  log "kafka: ready on $HOST:$KAFKA_PORT (pid $pid) in $(elapsed "$t0")s"
}

kafka_stop() {
  local pid
  pid="$(kafka_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$KAFKA_PIDFILE"
    log "kafka: not running"
    return 0
  fi
  local t0
  t0="$(now)"
  log "kafka: stopping pid $pid (SIGTERM, controlled shutdown)"
  terminate "$pid" kafka "$KAFKA_STOP_TIMEOUT"
  rm -f "$KAFKA_PIDFILE"
  log "kafka: stopped in $(elapsed "$t0")s"
}

kafka_reset() { rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR/cluster-id" "$KAFKA_DIR/server.properties" "$KAFKA_DIR/kafka.port" "$KAFKA_LOG" "$LOG_DIR"/kafka-*.log; }

# ----------------------------------------------------------------------------------------------
# PostgreSQL: a private cluster (initdb) in .local/postgres, owned by the `postgres` OS user
# ----------------------------------------------------------------------------------------------
PG_BIN=""
PG_BASE=""
PG_OS_USER=""

postgres_find_bin() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] || continue
    if [[ -z "$best" ]] || [[ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1)" == "$d" ]]; then best="$d"; fi
  done
  echo "$best"
}

postgres_as() {
  if ((EUID == 0)); then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

# Sets PG_OS_USER and PG_BASE. As root, initdb refuses to run: the cluster belongs to the
# `postgres` OS user, who must be able to reach the folder. If it cannot (a checkout under a
# private home folder), the cluster goes to /var/tmp/mlops-stack-<hash>/postgres instead.
postgres_resolve_paths() {
  if ((EUID == 0)); then
    PG_OS_USER=postgres
    id -u postgres >/dev/null 2>&1 || die "postgres: the 'postgres' OS user does not exist (the Debian postgresql package creates it): apt-get install -y postgresql"
  else
    PG_OS_USER="$(id -un)"
  fi
  PG_BASE="$STACK_DIR/postgres"
  if [[ -r "$STACK_DIR/postgres.location" ]]; then
    PG_BASE="$(cat "$STACK_DIR/postgres.location")"
    PG_LOG="$PG_BASE/postgres.log"
  fi
}

postgres_prepare_base() {
  mkdir -p "$PG_BASE"
  if ((EUID == 0)); then
    chown "$PG_OS_USER": "$PG_BASE"
    if ! runuser -u "$PG_OS_USER" -- test -w "$PG_BASE" 2>/dev/null; then
      local alt
      alt="/var/tmp/mlops-stack-$(printf '%s' "$STACK_DIR" | cksum | cut -d' ' -f1)/postgres"
      log "postgres: OS user '$PG_OS_USER' cannot reach $PG_BASE; using $alt instead"
      rmdir "$PG_BASE" 2>/dev/null || true
      mkdir -p "$alt"
      chmod 0755 "$(dirname "$alt")"
      chown "$PG_OS_USER": "$alt"
      PG_BASE="$alt"
      PG_LOG="$PG_BASE/postgres.log"
      echo "$PG_BASE" >"$STACK_DIR/postgres.location"
    fi
  fi
  mkdir -p "$PG_BASE/run"
  chmod 0700 "$PG_BASE/run"
  ((EUID == 0)) && chown "$PG_OS_USER": "$PG_BASE/run"
  touch "$PG_LOG"
  ((EUID == 0)) && chown "$PG_OS_USER": "$PG_LOG"
  return 0
}

postgres_port() {
  local p=""
  postgres_resolve_paths
  [[ -n "$(postgres_pid)" ]] && p="$(sed -n 4p "$PG_BASE/data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  echo "${p:-$POSTGRES_PORT}"
}

postgres_pid() {
  local pid
  postgres_resolve_paths
  pid="$(read_pidfile "$PG_BASE/data/postmaster.pid")"
  if pid_alive "$pid" && pid_cmd_matches "$pid" "postgres"; then echo "$pid"; fi
}

postgres_running() {
  [[ -n "$(postgres_pid)" ]] || return 1
  local bin
  bin="$(postgres_find_bin)"
  if [[ -n "$bin" ]]; then
    "$bin/pg_isready" -q -h "$HOST" -p "$(postgres_port)" -t 2
  else
    port_open "$(postgres_port)"
  fi
}

postgres_psql() {
  postgres_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_BASE/run" -p "$POSTGRES_PORT" -U postgres -d postgres "$@"
}

postgres_provision() {
  local sql_user sql_pass sql_db exists
  sql_user="${POSTGRES_USER//\"/\"\"}"
  sql_pass="${POSTGRES_PASSWORD//\'/\'\'}"
  sql_db="${POSTGRES_DB//\"/\"\"}"
  postgres_psql -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${POSTGRES_USER//\'/\'\'}') THEN
        CREATE ROLE \"$sql_user\" LOGIN CREATEDB PASSWORD '$sql_pass';
      ELSE
        ALTER ROLE \"$sql_user\" LOGIN CREATEDB PASSWORD '$sql_pass';
      END IF;
    END \$\$;" >/dev/null
  exists="$(postgres_psql -tA -c "SELECT 1 FROM pg_database WHERE datname = '${POSTGRES_DB//\'/\'\'}'")"
  if [[ "$exists" != 1 ]]; then
    log "postgres: creating database $POSTGRES_DB owned by $POSTGRES_USER"
    postgres_psql -c "CREATE DATABASE \"$sql_db\" OWNER \"$sql_user\"" >/dev/null
  fi
  # Prove the credentials the services use, over TCP like them.
  PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -h "$HOST" -p "$POSTGRES_PORT" \
    -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tA -c 'SELECT 1' >/dev/null ||
    die "postgres: cannot log in as $POSTGRES_USER to database $POSTGRES_DB on $HOST:$POSTGRES_PORT"
}

postgres_start() {
  postgres_resolve_paths
  if postgres_running; then
    refuse_port_change postgres "$(postgres_port)" "$POSTGRES_PORT" POSTGRES_PORT
    log "postgres: already running (pid $(postgres_pid), $HOST:$POSTGRES_PORT)"
    PG_BIN="$(postgres_find_bin)"
    postgres_provision
    return 0
  fi
  PG_BIN="$(postgres_find_bin)"
  if [[ -z "$PG_BIN" ]]; then
    apt_install postgresql
    PG_BIN="$(postgres_find_bin)"
    [[ -n "$PG_BIN" ]] || die "postgres: no /usr/lib/postgresql/<version>/bin/initdb after installing postgresql"
  fi
  postgres_prepare_base
  local data="$PG_BASE/data" t0
  t0="$(now)"

  if [[ -f "$data/PG_VERSION" ]]; then
    local have want
    have="$(cat "$data/PG_VERSION")"
    want="$(basename "$(dirname "$PG_BIN")")"
    [[ "$have" == "$want" ]] ||
      die "postgres: $data was created by PostgreSQL $have but the installed server is $want. Reset it: deploy/local/stack.sh reset postgres"
  else
    log "postgres: initdb $data ($("$PG_BIN/postgres" --version))"
    rm -rf "$data"
    postgres_as "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1 || {
      show_log_tail "$LOG_DIR/postgres-initdb.log"
      die "postgres: initdb failed (see $LOG_DIR/postgres-initdb.log)"
    }
    # Seven services plus tests each keep a pool: 100 connections is too few.
    printf '\n# deploy/local/stack.sh\nmax_connections = 300\n' >>"$data/postgresql.conf"
  fi

  # A dead server may leave its pidfile behind; pg_ctl handles that, but not a port taken by
  # someone else.
  ensure_port_free "$POSTGRES_PORT" postgres
  local offset
  offset="$(stat -c %s "$PG_LOG")"
  if ! postgres_as "$PG_BIN/pg_ctl" -D "$data" -l "$PG_LOG" -w -t "$POSTGRES_START_TIMEOUT" \
    -o "-c listen_addresses=$HOST -p $POSTGRES_PORT -c unix_socket_directories='$PG_BASE/run'" \
    start >"$LOG_DIR/postgres-ctl.log" 2>&1 9>&-; then
    cat "$LOG_DIR/postgres-ctl.log" >&2
    show_log_tail "$PG_LOG" 40 "$offset"
    die "postgres: did not start within ${POSTGRES_START_TIMEOUT}s (log above, full log in $PG_LOG)"
  fi
  local deadline=$((SECONDS + POSTGRES_START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h "$HOST" -p "$POSTGRES_PORT" -t 2; do
    if ((SECONDS >= deadline)); then
      show_log_tail "$PG_LOG" 40 "$offset"
      die "postgres: pg_isready still failing after ${POSTGRES_START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  postgres_provision
  log "postgres: ready on $HOST:$POSTGRES_PORT (pid $(postgres_pid), database $POSTGRES_DB) in $(elapsed "$t0")s"
}

postgres_stop() {
  postgres_resolve_paths
  local pid
  pid="$(postgres_pid)"
  if [[ -z "$pid" ]]; then
    log "postgres: not running"
    return 0
  fi
  PG_BIN="$(postgres_find_bin)"
  log "postgres: stopping pid $pid (fast shutdown)"
  if [[ -n "$PG_BIN" ]] && postgres_as "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -m fast -w -t 60 stop >/dev/null 2>&1 9>&-; then
    wait_gone "$pid" 10 || true
  else
    terminate "$pid" postgres 60
  fi
  log "postgres: stopped"
}

postgres_reset() {
  postgres_resolve_paths
  rm -rf "$PG_BASE" "$PG_LOG" "$LOG_DIR"/postgres*.log
  if [[ -r "$STACK_DIR/postgres.location" ]]; then
    rmdir "$(dirname "$PG_BASE")" 2>/dev/null || true
    rm -f "$STACK_DIR/postgres.location"
  fi
}

# ----------------------------------------------------------------------------------------------
# Redis
# ----------------------------------------------------------------------------------------------
redis_port() { recorded_port "$REDIS_DIR/redis.port" "$REDIS_PORT" "$(redis_pid)"; }

redis_pid() {
  local pid
  pid="$(read_pidfile "$REDIS_PIDFILE")"
  if pid_alive "$pid" && pid_cmd_matches "$pid" "redis-server"; then echo "$pid"; fi
}

redis_ping() { [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_running() { [[ -n "$(redis_pid)" ]] && port_open "$(redis_port)"; }

redis_start() {
  if redis_running; then
    refuse_port_change redis "$(redis_port)" "$REDIS_PORT" REDIS_PORT
    log "redis: already running (pid $(redis_pid), $HOST:$REDIS_PORT)"
    return 0
  fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  ensure_port_free "$REDIS_PORT" redis
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PIDFILE"
  echo "$REDIS_PORT" >"$REDIS_DIR/redis.port"
  local t0 offset
  t0="$(now)"
  touch "$REDIS_LOG"
  offset="$(stat -c %s "$REDIS_LOG")"
  redis-server --port "$REDIS_PORT" --bind "$HOST" --save '' --appendonly no --daemonize yes \
    --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" 9>&- ||
    {
      show_log_tail "$REDIS_LOG" 40 "$offset"
      die "redis: redis-server failed to start"
    }
  local deadline=$((SECONDS + REDIS_START_TIMEOUT))
  until redis_ping; do
    if ((SECONDS >= deadline)); then
      show_log_tail "$REDIS_LOG" 40 "$offset"
      die "redis: no PONG from $HOST:$REDIS_PORT within ${REDIS_START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  # The pidfile is written right after daemonizing; wait for it so `status` is exact.
  until [[ -n "$(redis_pid)" ]]; do
    ((SECONDS < deadline)) || die "redis: answers PONG but wrote no pidfile at $REDIS_PIDFILE"
    sleep 0.1
  done
  log "redis: ready on $HOST:$REDIS_PORT (pid $(redis_pid)) in $(elapsed "$t0")s"
}

redis_stop() {
  local pid
  pid="$(redis_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$REDIS_PIDFILE"
    log "redis: not running"
    return 0
  fi
  log "redis: stopping pid $pid"
  terminate "$pid" redis 30
  rm -f "$REDIS_PIDFILE"
  log "redis: stopped"
}

redis_reset() { rm -rf "$REDIS_DIR" "$REDIS_LOG"; }

# ----------------------------------------------------------------------------------------------
# Prometheus (only when asked for: `start prometheus` or `start all+prometheus`)
# ----------------------------------------------------------------------------------------------
prometheus_port() { recorded_port "$PROM_DIR/prometheus.port" "$PROMETHEUS_PORT" "$(prometheus_pid)"; }

prometheus_pid() {
  local pid
  pid="$(read_pidfile "$PROM_PIDFILE")"
  if pid_alive "$pid" && pid_cmd_matches "$pid" "prometheus"; then echo "$pid"; fi
}

prometheus_running() { [[ -n "$(prometheus_pid)" ]] && port_open "$(prometheus_port)"; }

prometheus_start() {
  if prometheus_running; then
    refuse_port_change prometheus "$(prometheus_port)" "$PROMETHEUS_PORT" PROMETHEUS_PORT
    log "prometheus: already running (pid $(prometheus_pid), $HOST:$PROMETHEUS_PORT)"
    return 0
  fi
  command -v prometheus >/dev/null || apt_install prometheus
  command -v curl >/dev/null || apt_install curl
  [[ -r "$PROM_CONFIG" ]] || die "prometheus: config $PROM_CONFIG not found"
  if command -v promtool >/dev/null; then
    promtool check config "$PROM_CONFIG" >"$LOG_DIR/promtool.log" 2>&1 || {
      cat "$LOG_DIR/promtool.log" >&2
      die "prometheus: $PROM_CONFIG is invalid"
    }
  fi
  ensure_port_free "$PROMETHEUS_PORT" prometheus
  mkdir -p "$PROM_DIR/data"
  local t0 pid offset
  t0="$(now)"
  touch "$PROM_LOG"
  offset="$(stat -c %s "$PROM_LOG")"
  (cd "$PROM_DIR" && exec setsid prometheus --config.file="$PROM_CONFIG" --storage.tsdb.path="$PROM_DIR/data" \
    --storage.tsdb.retention.time=7d --web.listen-address="$HOST:$PROMETHEUS_PORT" \
    --web.enable-lifecycle) >>"$PROM_LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PROM_PIDFILE"
  echo "$PROMETHEUS_PORT" >"$PROM_DIR/prometheus.port"
  local deadline=$((SECONDS + PROMETHEUS_START_TIMEOUT))
  until curl -fsS -m 2 "http://$HOST:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1; do
    if ! pid_alive "$pid"; then
      wait "$pid" 2>/dev/null || true
      rm -f "$PROM_PIDFILE"
      show_log_tail "$PROM_LOG" 40 "$offset"
      die "prometheus: exited during start-up (full log in $PROM_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$PROM_LOG" 40 "$offset"
      terminate "$pid" prometheus 30
      rm -f "$PROM_PIDFILE"
      die "prometheus: not ready within ${PROMETHEUS_START_TIMEOUT}s"
    fi
    sleep 0.3
  done
  log "prometheus: ready on http://$HOST:$PROMETHEUS_PORT (pid $pid) in $(elapsed "$t0")s"
}

prometheus_stop() {
  local pid
  pid="$(prometheus_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PROM_PIDFILE"
    log "prometheus: not running"
    return 0
  fi
  log "prometheus: stopping pid $pid"
  terminate "$pid" prometheus 30
  rm -f "$PROM_PIDFILE"
  log "prometheus: stopped"
}

prometheus_reset() { rm -rf "$PROM_DIR" "$PROM_LOG" "$LOG_DIR/promtool.log"; }

# ----------------------------------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------------------------------
print_env() {
  local prefix="${1:-}" c
  echo "${prefix}KAFKA_BROKERS=$HOST:$KAFKA_PORT"
  echo "${prefix}DATABASE_URL=postgres://$POSTGRES_USER:$POSTGRES_PASSWORD@$HOST:$POSTGRES_PORT/$POSTGRES_DB"
  echo "${prefix}REDIS_URL=redis://$HOST:$REDIS_PORT"
  for c in "${SELECTED[@]}"; do
    [[ "$c" == prometheus ]] && echo "${prefix}PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT"
  done
  return 0
}

status_line() {
  local c="$1" pid port
  pid="$("${c}_pid")"
  port="$("${c}_port")"
  if "${c}_running"; then
    printf '%-11s running  %s:%-5s  pid %s\n' "$c" "$HOST" "$port" "$pid"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    printf '%-11s starting %s:%-5s  pid %s (port not open yet)\n' "$c" "$HOST" "$port" "$pid"
  else
    printf '%-11s stopped  %s:%-5s\n' "$c" "$HOST" "$port"
  fi
  return 1
}

take_lock() {
  exec 9>"$STACK_DIR/.stack.lock"
  if ! flock -w 900 9; then
    die "another deploy/local/stack.sh has held $STACK_DIR/.stack.lock for 15 minutes"
  fi
}

select_components() {
  local default="$1"
  shift
  SELECTED=()
  if (($# == 0)); then
    if [[ "$default" == all4 ]]; then SELECTED=("${ALL_COMPONENTS[@]}"); else SELECTED=("${CORE_COMPONENTS[@]}"); fi
    return 0
  fi
  local a c
  for a in "$@"; do
    case "$a" in
      all) SELECTED+=("${CORE_COMPONENTS[@]}") ;;
      all+prometheus) SELECTED+=("${ALL_COMPONENTS[@]}") ;;
      kafka | postgres | redis | prometheus) SELECTED+=("$a") ;;
      postgresql) SELECTED+=(postgres) ;;
      *) die "unknown component '$a': use kafka, postgres, redis, prometheus, all or all+prometheus" ;;
    esac
  done
  # de-duplicate, keeping the canonical order
  local out=()
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ " ${SELECTED[*]} " == *" $c "* ]] && out+=("$c")
  done
  SELECTED=("${out[@]}")
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  mkdir -p "$STACK_DIR" "$LOG_DIR"
  case "$cmd" in
    start)
      select_components core "$@"
      take_lock
      local c t0
      t0="$(now)"
      for c in "${SELECTED[@]}"; do "${c}_start"; done
      log "ready: ${SELECTED[*]} in $(elapsed "$t0")s. Environment for the services:"
      print_env
      ;;
    stop)
      select_components all4 "$@"
      take_lock
      local c i
      # reverse order: consumers of the broker first
      for ((i = ${#SELECTED[@]} - 1; i >= 0; i--)); do "${SELECTED[$i]}_stop"; done
      ;;
    restart)
      bash "${BASH_SOURCE[0]}" stop "$@"
      exec bash "${BASH_SOURCE[0]}" start "$@"
      ;;
    status)
      select_components core "$@"
      local c rc=0
      for c in "${SELECTED[@]}"; do status_line "$c" || rc=1; done
      return "$rc"
      ;;
    env)
      select_components core "$@"
      print_env "export "
      ;;
    reset)
      select_components all4 "$@"
      take_lock
      local c
      for c in "${SELECTED[@]}"; do
        "${c}_stop"
        "${c}_reset"
        log "$c: data removed"
      done
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
