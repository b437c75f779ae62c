#!/usr/bin/env bash
# The chypervisord benchmark: starts its own etcd, a chypervisord on it and a second chypervisord
# on the in-memory store (the ceiling of the HTTP stack on this machine), all on loopback ports;
# loads hypervisors straight into etcd and the same ones into the memory-store service through
# its API (not timed); drives each scenario with wrk against etcd's JSON gateway (the reference),
# the etcd-backed service and the memory-store service; prints a table and the targets (also
# written to bench/results/latest.md). See bench/README.md.
#
#   bench/run.sh                 full run: N=1,000, 10,000 then 100,000, 10 s per scenario
#   bench/run.sh --smoke         tiny N, 1 s per scenario; fails only when something is broken
#   bench/run.sh --help          all options
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
. "$ROOT/scripts/lib.sh"

usage() {
  cat <<'USAGE'
Usage: bench/run.sh [options]
  --smoke               tiny data set (10 then 20 hypervisors), 1 s scenarios, no warm-up; exits
                        non-zero only when something is broken, never on timing; writes no results
  --duration SECONDS    length of each measured wrk run (default 10)
  --warmup SECONDS      untimed wrk run before each measured one, every side (default 3; 0 = none)
  --jit-warmup SECONDS  untimed load on each service (GET by id, PATCH, list) before the first
                        scenario, so that its JIT has compiled the hot paths (default 15; 0 = none)
  --connections N       wrk connections for the per-hypervisor scenarios (default 32)
  --list-connections N  wrk connections for the whole-list scenario, every side (default 4)
  --threads N           wrk threads (default 2)
  --sizes "N1 N2 ..."   data-set sizes, loaded in turn by topping up (default "1000 10000 100000")
  --service-args "..."  extra flags for the etcd-backed service, e.g. "--view=off"
  --watchers N          also run GET by id with N idle change-feed streams open
                        (GET /hypervisors?watch=true, issue 10; default 0 = not run)
  --out FILE            results file (default bench/results/latest.md; the smoke run writes none)
Environment: CHYP_JAVA_OPTS (JVM flags of both services; default SERVICE_JAVA_OPTS_DEFAULT of
             scripts/lib.sh, as run.sh), MEM_JAVA_OPTS (the memory-store service's, default
             CHYP_JAVA_OPTS with at least -Xmx1g: it holds every key twice), JAVA_HOME (the JDK; else the newest 21+ under /usr/lib/jvm).
USAGE
}

SMOKE=0
DURATION=10
WARMUP=3
JIT_WARMUP=15
CONNS=32
LIST_CONNS=4
THREADS=2
SIZES="1000 10000 100000"
SERVICE_ARGS=""
WATCHERS=0
OUT="$BENCH_DIR/results/latest.md"
explicit=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --duration) DURATION=$2; explicit+=(duration); shift ;;
    --duration=*) DURATION=${1#*=}; explicit+=(duration) ;;
    --warmup) WARMUP=$2; explicit+=(warmup); shift ;;
    --warmup=*) WARMUP=${1#*=}; explicit+=(warmup) ;;
    --jit-warmup) JIT_WARMUP=$2; explicit+=(jit-warmup); shift ;;
    --jit-warmup=*) JIT_WARMUP=${1#*=}; explicit+=(jit-warmup) ;;
    --connections) CONNS=$2; shift ;;
    --connections=*) CONNS=${1#*=} ;;
    --list-connections) LIST_CONNS=$2; shift ;;
    --list-connections=*) LIST_CONNS=${1#*=} ;;
    --threads) THREADS=$2; shift ;;
    --threads=*) THREADS=${1#*=} ;;
    --sizes) SIZES=$2; explicit+=(sizes); shift ;;
    --sizes=*) SIZES=${1#*=}; explicit+=(sizes) ;;
    --service-args) SERVICE_ARGS=$2; shift ;;
    --service-args=*) SERVICE_ARGS=${1#*=} ;;
    --watchers) WATCHERS=$2; shift ;;
    --watchers=*) WATCHERS=${1#*=} ;;
    --out) OUT=$2; shift ;;
    --out=*) OUT=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
has() { local x; for x in "${explicit[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
if [ "$SMOKE" = 1 ]; then
  has duration || DURATION=1
  has warmup || WARMUP=0
  has jit-warmup || JIT_WARMUP=0
  has sizes || SIZES="10 20"
  CONNS=$(( CONNS > 8 ? 8 : CONNS ))
  LIST_CONNS=$(( LIST_CONNS > 2 ? 2 : LIST_CONNS ))
  THREADS=$(( THREADS > 2 ? 2 : THREADS ))
  OUT=""
fi
(( CONNS >= THREADS )) || CONNS=$THREADS
(( LIST_CONNS >= THREADS )) || LIST_CONNS=$THREADS
CHYP_JAVA_OPTS=${CHYP_JAVA_OPTS:-$SERVICE_JAVA_OPTS_DEFAULT}
# The memory-store service holds every key in its store and again in its view, and its RSS is no
# target (it is the ceiling of the HTTP stack): it gets the service's flags with at least -Xmx1g.
xmx_mb() {
  local v
  v=$(grep -o -- '-Xmx[0-9]*[kKmMgG]\?' <<<"$1" | tail -1 | sed 's/^-Xmx//')
  case "$v" in
    "") echo 0 ;;
    *[gG]) echo $(( ${v%?} * 1024 )) ;;
    *[mM]) echo "${v%?}" ;;
    *[kK]) echo $(( ${v%?} / 1024 )) ;;
    *) echo $(( v / 1048576 )) ;;
  esac
}
if [ -z "${MEM_JAVA_OPTS:-}" ]; then
  MEM_JAVA_OPTS=$CHYP_JAVA_OPTS
  (( $(xmx_mb "$MEM_JAVA_OPTS") >= 1024 )) || MEM_JAVA_OPTS="$MEM_JAVA_OPTS -Xmx1g"
fi
# Puts per load transaction into etcd (our etcd is started with a matching --max-txn-ops).
LOAD_TXN_OPS=512

log() { echo "[bench] $*" >&2; }
die() { echo "[bench] FAILED: $*" >&2; exit 1; }

# ---- processes and cleanup --------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/chypervisord-bench.XXXXXX")
ETCD_PID=""
CHYP_PID=""
MEM_PID=""
WATCHER_PIDS=()
stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_watchers() {
  local p
  for p in "${WATCHER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${WATCHER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  WATCHER_PIDS=()
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_watchers
  stop "$CHYP_PID"
  stop "$MEM_PID"
  stop "$ETCD_PID"
  if [ "$status" != 0 ] && [ -d "$TMP" ]; then
    for f in "$TMP"/chypervisord*.log "$TMP/etcd.log"; do
      [ -s "$f" ] && { echo "---- last lines of $(basename "$f"):" >&2; tail -15 "$f" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools ------------------------------------------------------------------------------------
find_jdk
ensure_etcd
ensure_wrk
ensure_curl || die "curl is missing"
JAR="$ROOT/bootstrap/target/chypervisord.jar"
if [ ! -f "$JAR" ] || [ -n "$(cd "$ROOT" && find domain kv-spi adapters-* bootstrap pom.xml \( -name '*.java' -o -name pom.xml -o -path '*/resources/*' \) -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  find_maven
  log "building chypervisord ..."
  # package, never install: ~/.m2 may be shared with other builds.
  (cd "$ROOT" && MAVEN_OPTS="${MAVEN_OPTS:-} $(jvm_quiet_opts)" mvn -B -q -ntp -DskipTests -P-distribution package -pl bootstrap -am >&2) \
    || die "the build failed"
fi
JAVA="$JAVA_HOME/bin/java"
ETCD=$(command -v etcd || echo /usr/bin/etcd)

# free_port VAR: sets VAR to a free loopback TCP port (nothing accepts on it and we have not
# handed it out yet; not run in a subshell, so that USED_PORTS remembers it). Picked below the
# kernel's ephemeral range, where a client connection's local port could collide with it.
USED_PORTS=" "
EPHEMERAL_LOW=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
(( EPHEMERAL_LOW > 12000 )) || EPHEMERAL_LOW=32768
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 10000 + RANDOM % (EPHEMERAL_LOW - 10000) ))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS="$USED_PORTS$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# ---- etcd -------------------------------------------------------------------------------------
free_port ETCD_PORT
free_port ETCD_PEER_PORT
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
log "starting etcd on $ETCD_URL (data in $TMP/etcd)"
"$ETCD" --name bench --data-dir "$TMP/etcd" \
  --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER_PORT" \
  --quota-backend-bytes $((8 * 1024 * 1024 * 1024)) --max-txn-ops "$LOAD_TXN_OPS" \
  --logger zap --log-level warn >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
# Up to 60 s (it takes about one): slack for a loaded machine and a busy disk.
etcd_deadline=$(( $(now_ns) + 60 * 1000000000 ))
while ! curl -fsS -m 2 "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; do
  kill -0 "$ETCD_PID" 2>/dev/null || die "etcd exited at start (see its log above)"
  [ "$(now_ns)" -lt "$etcd_deadline" ] || die "etcd did not become healthy within 60 s"
  sleep 0.1
done

# ---- the services -----------------------------------------------------------------------------
# start_service VAR_PREFIX LOG JAVA_OPTS ARGS...: launches a chypervisord on a free port, sets
# ${VAR_PREFIX}_PID, ${VAR_PREFIX}_URL, and ${VAR_PREFIX}_FIRST_MS (launch to the first 200 of
# GET $PROBE, default /hypervisors, polled every ~10 ms).
start_service() {
  local prefix=$1 logfile=$2 opts=$3 port url pid t0 code probe=${PROBE:-/hypervisors}
  shift 3
  free_port port
  url="http://127.0.0.1:$port"
  log "starting chypervisord $* on $url ($opts)"
  t0=$(now_ns)
  # shellcheck disable=SC2086 # opts is a list of flags
  "$JAVA" $(jvm_quiet_opts) $opts -jar "$JAR" -p "$port" "$@" >"$logfile" 2>&1 &
  pid=$!
  printf -v "${prefix}_PID" '%s' "$pid"
  printf -v "${prefix}_URL" '%s' "$url"
  local deadline=$(( t0 + 120 * 1000000000 ))
  while :; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url$probe" 2>/dev/null || true)
    [ "$code" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || die "chypervisord $* exited at start (see its log above)"
    [ "$(now_ns)" -lt "$deadline" ] || die "chypervisord $* served no GET $probe within 120 s (last status $code)"
    sleep 0.01
  done
  printf -v "${prefix}_FIRST_MS" '%s' "$(ms_since "$t0")"
}

# metric NAME URL: the sum of the samples of one metric (all label sets) on /observe/metrics;
# empty when the service has no such metric.
metric() {
  curl -fsS -m 10 "$2/observe/metrics" | awk -v m="$1" '
    $0 !~ /^#/ && ($1 == m || index($1, m "{") == 1) { s += $NF; found = 1 }
    END { if (found) printf "%.6f", s }'
}
# Every store call the service made so far, by operation: "READS REVISIONS TXNS".
store_ops() {
  curl -fsS -m 10 "$1/observe/metrics" | awk '
    /^chypervisord_store_operations_seconds_count\{/ {
      if ($0 ~ /operation="read"/) r += $NF; else if ($0 ~ /operation="revision"/) v += $NF; else if ($0 ~ /operation="txn"/) t += $NF
    }
    END { printf "%d %d %d", r, v, t }'
}
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

start_service CHYP "$TMP/chypervisord.log" "$CHYP_JAVA_OPTS" --kv "etcd://127.0.0.1:$ETCD_PORT" $SERVICE_ARGS
STARTUP_MS=$CHYP_FIRST_MS
log "chypervisord (etcd) served its first GET /hypervisors ${STARTUP_MS} ms after its start (empty store)"
start_service MEM "$TMP/chypervisord-mem.log" "$MEM_JAVA_OPTS" --kv mem://
log "chypervisord (memory) served its first GET /hypervisors ${MEM_FIRST_MS} ms after its start"

# ---- data -------------------------------------------------------------------------------------
# DATA: one line per hypervisor, "ID SUBNET1 SUBNET2 GUEST" (Loader.java); IDS: the ids alone.
DATA="$TMP/data.txt"
IDS="$TMP/ids.txt"
: >"$DATA"
: >"$IDS"
LOADED=0
declare -A LOAD_ETCD_MS LOAD_MEM_MS
# Compiled once (the source launcher would compile it on every load).
"$JAVA_HOME/bin/javac" -nowarn -d "$TMP/loader" "$BENCH_DIR/Loader.java" || die "cannot compile bench/Loader.java"
load_to() {
  local target=$1 t0
  (( target > LOADED )) || return 0
  t0=$(now_ns)
  "$JAVA" -cp "$TMP/loader" Loader etcd "$ETCD_URL" $(( target - LOADED )) "$DATA" "$LOAD_TXN_OPS" 8 \
    || die "loading into etcd failed"
  LOAD_ETCD_MS[$target]=$(ms_since "$t0")
  [ "$(wc -l <"$DATA")" -eq "$target" ] || die "the data file does not hold $target hypervisors"
  log "loaded $target hypervisors into etcd ($(( target - LOADED )) new, 8 keys each) in ${LOAD_ETCD_MS[$target]} ms"
  t0=$(now_ns)
  "$JAVA" -cp "$TMP/loader" Loader http "$MEM_URL" "$DATA" "$LOADED" 32 \
    || die "loading the memory-store service through its API failed"
  LOAD_MEM_MS[$target]=$(ms_since "$t0")
  log "loaded the same into the memory-store service through its API (POST, PATCH config, PATCH subnets; no guests) in ${LOAD_MEM_MS[$target]} ms"
  cut -d' ' -f1 "$DATA" >"$IDS"
  LOADED=$target
}

# ---- wrk --------------------------------------------------------------------------------------
# One line per run: scenario, side, req/s, p50 us, p99 us, requests, non-2xx, socket errors, CPU us
# per request of the service and of etcd, store reads / revisions / txns per request (the
# service's sides), list answers checked, of which wrong, records in the last checked answer.
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
BROKEN=()
NOTES=()

# CPU time (user + system) a process has used so far, in microseconds.
cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e6 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# run_wrk SCENARIO SIDE CONNECTIONS URL SCRIPT [SCRIPT ARGS...]: a warm-up (when asked), then the
# measured run. SIDE is "etcd direct", "chypervisord" or "memory store".
run_wrk() {
  local scenario=$1 side=$2 conns=$3 url=$4 script=$5 out line requests duration status socket p50 p99 rps
  shift 5
  local args=("$IDS" "$@")
  local svc_pid="" svc_url=""
  case "$side" in
    chypervisord) svc_pid=$CHYP_PID; svc_url=$CHYP_URL ;;
    "memory store") svc_pid=$MEM_PID; svc_url=$MEM_URL ;;
  esac
  # No warm-up for etcd's whole list: etcd has no JIT to warm, and at a large N each dropped
  # request goes on costing etcd seconds of CPU.
  if [ "$WARMUP" -gt 0 ] && [ "$script" != etcd_list.lua ]; then
    wrk -t "$THREADS" -c "$conns" -d "${WARMUP}s" --timeout 30s -s "$BENCH_DIR/lua/$script" "$url" -- "${args[@]}" \
      >/dev/null 2>&1 || true
  fi
  local ops0="" ops1="" svc0=0 etcd0 svc_cpu=0 etcd_cpu
  if [ -n "$svc_url" ]; then ops0=$(store_ops "$svc_url") || die "cannot read $svc_url/observe/metrics"; svc0=$(cpu_us "$svc_pid"); fi
  etcd0=$(cpu_us "$ETCD_PID")
  out=$(wrk -t "$THREADS" -c "$conns" -d "${DURATION}s" --timeout 30s -s "$BENCH_DIR/lua/$script" "$url" -- "${args[@]}" 2>&1) \
    || { echo "$out" >&2; die "wrk failed on $scenario ($side)"; }
  etcd_cpu=$(( $(cpu_us "$ETCD_PID") - etcd0 ))
  if [ -n "$svc_url" ]; then
    svc_cpu=$(( $(cpu_us "$svc_pid") - svc0 ))
    ops1=$(store_ops "$svc_url") || die "cannot read $svc_url/observe/metrics"
  fi
  line=$(grep '^BENCHRESULT ' <<<"$out" | tail -1)
  [ -n "$line" ] || { echo "$out" >&2; die "wrk printed no result for $scenario ($side)"; }
  if [[ "$line" == *" requests=0 "* ]]; then
    # Nothing answered within the run (a whole list slower than --duration): time one request.
    : >"$TMP/probe.note"
    line=$(probe_once "$scenario" "$side" "$url" "$script" "$@")
    [ ! -s "$TMP/probe.note" ] || NOTES+=("$(cat "$TMP/probe.note")")
  fi
  field() { sed -n "s/.* $1=\(-\{0,1\}[0-9]*\).*/\1/p" <<<"$line"; }
  requests=$(field requests); duration=$(field duration_us); status=$(field status_errors)
  socket=$(field socket_errors); p50=$(field p50_us); p99=$(field p99_us)
  local checked wrong last
  checked=$(field checked); wrong=$(field wrong); last=$(field last_count)
  rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')
  # CPU per request of the service and of etcd during the measured run (robust to other load).
  local svc_per etcd_per
  svc_per=$(awk -v c="$svc_cpu" -v r="$requests" 'BEGIN { printf "%.0f", (r > 0 ? c / r : 0) }')
  etcd_per=$(awk -v c="$etcd_cpu" -v r="$requests" 'BEGIN { printf "%.0f", (r > 0 ? c / r : 0) }')
  [ -n "$svc_url" ] || svc_per="-"
  # Store calls per request by operation (the view answers reads without any; a read that must
  # be current costs a revision call, shared by concurrent readers).
  local reads="-" revs="-" txns="-"
  if [ -n "$ops1" ]; then
    read -r reads revs txns < <(awk -v a="$ops1" -v b="$ops0" -v r="$requests" 'BEGIN { split(a, x, " "); split(b, y, " ");
      for (i = 1; i <= 3; i++) printf "%.3f ", (r > 0 ? (x[i] - y[i]) / r : 0); printf "\n" }')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$side" "$rps" "$p50" "$p99" \
    "$requests" "$status" "$socket" "$svc_per" "$etcd_per" "$reads" "$revs" "$txns" "$checked" "$wrong" "$last" >>"$RESULTS"
  log "$(printf '%-30s %-13s %9s req/s  p50 %8s us  p99 %8s us  non-2xx %s  socket errors %s  CPU/req: service %s us, etcd %s us  store calls/req: read %s rev %s txn %s%s' \
    "$scenario" "$side" "$rps" "$p50" "$p99" "$status" "$socket" "$svc_per" "$etcd_per" "$reads" "$revs" "$txns" \
    "$( (( checked > 0 )) && echo "  lists checked $checked, wrong $wrong (last had $last records)")")"
  if (( requests - status <= 0 )); then
    if [ "$side" = "etcd direct" ] && [[ "$scenario" == "GET list"* ]]; then
      NOTES+=("$scenario (etcd direct): no successful request ($status non-2xx, $socket socket errors)")
    else
      BROKEN+=("$scenario ($side): no successful request")
    fi
  fi
  if (( wrong > 0 )); then
    BROKEN+=("$scenario ($side): $wrong of $checked list answers did not hold all $LOADED records (last had $last)")
  fi
}

# probe_once SCENARIO SIDE URL SCRIPT [EXPECTED]: one sequential request of a list scenario (curl,
# up to 300 s), as a BENCHRESULT line; the note saying so and what the answer was goes to
# $TMP/probe.note (this runs in a command substitution).
probe_once() {
  local scenario=$1 side=$2 url=$3 script=$4 expected=${5:-} res code secs us body count=-1 checked=0 wrong=0
  case "$script" in
    etcd_list.lua)
      res=$(curl -s -m 300 -o "$TMP/probe.body" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
        -d "{\"key\":\"$(printf 'lochness/hypervisors/' | base64)\",\"range_end\":\"$(printf 'lochness/hypervisors0' | base64)\"}" \
        "$url/v3/kv/range" || true) ;;
    chyp_list.lua)
      res=$(curl -s -m 300 -o "$TMP/probe.body" -w '%{http_code} %{time_total}' "$url/hypervisors" || true) ;;
    *) echo "BENCHRESULT requests=0 duration_us=0 status_errors=0 socket_errors=0 p50_us=0 p99_us=0 checked=0 wrong=0 last_count=-1"; return 0 ;;
  esac
  code=${res%% *}; secs=${res#* }
  us=$(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1e6 }')
  if [ "$code" = 200 ] && [ -n "$expected" ] && [ "$script" = chyp_list.lua ]; then
    count=$(grep -o '{"id":"' "$TMP/probe.body" | wc -l); checked=1
    [ "$count" = "$expected" ] || wrong=1
  fi
  body=$(head -c 200 "$TMP/probe.body" 2>/dev/null | tr -d '\n' || true)
  local size
  size=$(awk -v b="$(stat -c %s "$TMP/probe.body" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f MB", b / 1e6 }')
  echo "$scenario ($side): no answer within the ${DURATION} s run; one sequential request then answered HTTP ${code:-none} after ${secs} s ($size)$( [ "$code" = 200 ] || echo ": ${body:-no body}")$( [ "$checked" = 1 ] && echo ", $count records")" \
    >"$TMP/probe.note"
  rm -f "$TMP/probe.body"
  echo "BENCHRESULT requests=1 duration_us=$us status_errors=$( [ "${code:-0}" -ge 400 ] && echo 1 || echo 0) socket_errors=$( [ "${code:-000}" = 000 ] && echo 1 || echo 0) p50_us=$us p99_us=$us checked=$checked wrong=$wrong last_count=$count"
}

# settle_etcd: waits (up to 300 s) until etcd uses under 20 % of a core over a second: etcd goes
# on computing whole ranges whose clients wrk has already dropped, which would slow what follows.
settle_etcd() {
  local a b
  local t0
  t0=$(now_ns)
  for _ in $(seq 1 300); do
    a=$(cpu_us "$ETCD_PID"); sleep 1; b=$(cpu_us "$ETCD_PID")
    if (( b - a < 200000 )); then
      (( $(ms_since "$t0") < 5000 )) || log "etcd settled $(( $(ms_since "$t0") / 1000 )) s after the direct whole list"
      return 0
    fi
  done
  NOTES+=("etcd was still busy 300 s after a whole-list run")
}

# scenario NAME CONNECTIONS CHYP_SCRIPT ETCD_SCRIPT [SCRIPT ARGS...]: etcd direct first, then the
# etcd-backed service, then the memory-store service.
scenario() {
  local name=$1 conns=$2 chyp=$3 etcd=$4
  shift 4
  run_wrk "$name" "etcd direct" "$conns" "$ETCD_URL" "$etcd" "$@"
  [ "$etcd" != etcd_list.lua ] || settle_etcd
  run_wrk "$name" chypervisord "$conns" "$CHYP_URL" "$chyp" "$@"
  run_wrk "$name" "memory store" "$conns" "$MEM_URL" "$chyp" "$@"
}

# How busy the machine is without us (other builds may share it): CPU use over one second.
cpu_busy() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2];
    printf "%.0f%%", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

# GET by id with WATCHERS idle change-feed streams open on the etcd-backed service (issue 10's
# "100 idle watchers against none"); skipped with a note while the service has no feed.
with_watchers() {
  local n=$1 i alive=0
  for i in $(seq 1 "$n"); do
    curl -sN -m $(( DURATION + WARMUP + 60 )) -o /dev/null "$CHYP_URL/hypervisors?watch=true" 2>/dev/null &
    WATCHER_PIDS+=($!)
  done
  sleep 2
  for i in "${WATCHER_PIDS[@]}"; do kill -0 "$i" 2>/dev/null && alive=$(( alive + 1 )); done
  if (( alive < n )); then
    NOTES+=("GET by id with $n idle watchers: not run, only $alive of $n feed streams stayed open (no change feed yet?)")
    stop_watchers
    return 0
  fi
  run_wrk "GET by id, $n idle watchers (N=$LOADED)" chypervisord "$CONNS" "$CHYP_URL" chyp_get.lua
  stop_watchers
}

CPU_BUSY_BEFORE=$(cpu_busy)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_BEFORE=$(ps -eo pcpu=,pid=,comm= --sort=-pcpu | awk '$1 > 5 && n++ < 8 { printf "%s%s %s%%", sep, $3, $1; sep=", " }' || true)

read -r -a SIZE_LIST <<<"$SIZES"
LAST_SIZE=${SIZE_LIST[$(( ${#SIZE_LIST[@]} - 1 ))]}
declare -A PEAK_KB MEM_PEAK_KB
for n in "${SIZE_LIST[@]}"; do
  load_to "$n"
  if [ "$JIT_WARMUP" -gt 0 ] && [ "$n" = "${SIZE_LIST[0]}" ]; then
    log "warming the services' JIT up: ${JIT_WARMUP} s each of GET by id, PATCH config and list (not measured)"
    for url in "$CHYP_URL" "$MEM_URL"; do
      for s in chyp_get.lua chyp_patch.lua chyp_list.lua; do
        wrk -t "$THREADS" -c "$CONNS" -d "$(( (JIT_WARMUP + 2) / 3 ))s" --timeout 30s -s "$BENCH_DIR/lua/$s" "$url" -- "$IDS" \
          >/dev/null 2>&1 || true
      done
    done
  fi
  # The whole list last: etcd direct at a large N leaves etcd busy (settle_etcd) and its heap big.
  scenario "GET by id (N=$n)" "$CONNS" chyp_get.lua etcd_get.lua
  scenario "PATCH config (N=$n)" "$CONNS" chyp_patch.lua etcd_patch.lua
  scenario "GET list (N=$n)" "$LIST_CONNS" chyp_list.lua etcd_list.lua "$n"
  kill -0 "$CHYP_PID" 2>/dev/null || die "chypervisord (etcd) died during the benchmark"
  kill -0 "$MEM_PID" 2>/dev/null || die "chypervisord (memory) died during the benchmark"
  PEAK_KB[$n]=$(vm_kb "$CHYP_PID" VmHWM)
  MEM_PEAK_KB[$n]=$(vm_kb "$MEM_PID" VmHWM)
  log "peak RSS after N=$n: chypervisord (etcd) $(( PEAK_KB[$n] / 1024 )) MB, memory-store service $(( MEM_PEAK_KB[$n] / 1024 )) MB"
done
if [ "$WATCHERS" -gt 0 ]; then
  run_wrk "GET by id, no watchers (N=$LOADED)" chypervisord "$CONNS" "$CHYP_URL" chyp_get.lua
  with_watchers "$WATCHERS"
fi
# POST grows the data set, so it runs once, last, on etcd and the etcd-backed service.
run_wrk "POST new (from N=$LAST_SIZE)" "etcd direct" "$CONNS" "$ETCD_URL" etcd_post.lua
run_wrk "POST new (from N=$LAST_SIZE)" chypervisord "$CONNS" "$CHYP_URL" chyp_post.lua
END_PEAK_KB=$(vm_kb "$CHYP_PID" VmHWM)
END_RSS_KB=$(vm_kb "$CHYP_PID" VmRSS)
kill -0 "$CHYP_PID" 2>/dev/null || die "chypervisord died during the benchmark"

# ---- the view's load time: restart the etcd-backed service on the whole data set ---------------
log "restarting chypervisord (etcd) on $(( LAST_SIZE )) hypervisors and more to time the view's load"
stop "$CHYP_PID"
CHYP_PID=""
settle_etcd
RESTART_T0=$(now_ns)
# Probed with a GET by id: a whole list while the view loads would be read from the store, and
# compete with the view's own load.
PROBE="/hypervisors/$(head -1 "$IDS")" start_service CHYP "$TMP/chypervisord-restart.log" "$CHYP_JAVA_OPTS" \
  --kv "etcd://127.0.0.1:$ETCD_PORT" $SERVICE_ARGS
RESTART_FIRST_MS=$CHYP_FIRST_MS
VIEW_READY_MS=""
VIEW_LOAD_S=""
VIEW_HV=""
if [ -n "$(metric chypervisord_view_ready "$CHYP_URL")" ]; then
  deadline=$(( $(now_ns) + 300 * 1000000000 ))
  while :; do
    ready=$(metric chypervisord_view_ready "$CHYP_URL" || true)
    if [ "${ready%%.*}" = 1 ]; then VIEW_READY_MS=$(ms_since "$RESTART_T0"); break; fi
    kill -0 "$CHYP_PID" 2>/dev/null || die "chypervisord exited while its view loaded"
    [ "$(now_ns)" -lt "$deadline" ] || { NOTES+=("the view was not ready 300 s after the restart"); break; }
    sleep 0.05
  done
  VIEW_LOAD_S=$(metric chypervisord_view_load_seconds "$CHYP_URL" | awk '{ printf "%.2f", $1 }' || true)
  VIEW_HV=$(metric chypervisord_view_hypervisors "$CHYP_URL" | awk '{ printf "%d", $1 }' || true)
fi
RESTART_PEAK_KB=$(vm_kb "$CHYP_PID" VmHWM)
log "after the restart: first GET /hypervisors/{id} ${RESTART_FIRST_MS} ms, view ready ${VIEW_READY_MS:-n/a} ms, chypervisord_view_load_seconds ${VIEW_LOAD_S:-n/a}, view hypervisors ${VIEW_HV:-n/a}, peak RSS $(( RESTART_PEAK_KB / 1024 )) MB"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -----------------------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN { if (u == "" || u == "-") { printf "-"; exit } printf (u >= 100000 ? "%.0f" : (u >= 10000 ? "%.1f" : "%.2f")), u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && a != "-" && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
# ratio3: three decimals, for the small list-latency ratios.
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && a != "-" && b > 0) printf "%.3f", a / b; else printf "n/a" }'; }
get() { awk -F'\t' -v s="$1" -v side="$2" -v c="$3" '$1 == s && $2 == side { v = $c } END { print (v == "" ? "-" : v) }' "$RESULTS"; }
mb() { echo $(( ${1:-0} / 1024 )); }

JDK_VERSION=$("$JAVA" -version 2>&1 | sed -n 1p || true)
ETCD_VERSION=$("$ETCD" --version 2>/dev/null | sed -n 's/^etcd Version: //p' || true)
WRK_VERSION=$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true)
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM_TOTAL=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain -- domain kv-spi adapters-* bootstrap pom.xml 2>/dev/null || true)

# The sizes the targets name (N=10,000 and N=100,000); with other --sizes, the second largest and
# the largest (the targets then say which N they were measured at).
has_size() { local x; for x in "${SIZE_LIST[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
if has_size 100000; then BIG=100000; else BIG=$LAST_SIZE; fi
if has_size 10000; then MID=10000; elif [ "${#SIZE_LIST[@]}" -ge 2 ]; then MID=${SIZE_LIST[$(( ${#SIZE_LIST[@]} - 2 ))]}; else MID=$LAST_SIZE; fi

report() {
  echo "# chypervisord benchmark$([ "$SMOKE" = 1 ] && echo ' (smoke run: tiny N, 1 s scenarios; timings mean nothing)')"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) cores ($CPU_MODEL), $MEM_TOTAL memory; wrk, etcd and both services share the cores"
  echo "- other load: CPU ${CPU_BUSY_BEFORE} busy over the second before the first scenario (etcd and the services idle); load average before / after: $LOAD_BEFORE / $LOAD_AFTER; top processes by lifetime CPU at the start: ${BUSY_BEFORE:-none}"
  echo "- JDK: $JDK_VERSION ($JAVA_HOME); service JVM flags: $(jvm_quiet_opts) $CHYP_JAVA_OPTS (memory-store service: $MEM_JAVA_OPTS); MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"
  echo "- etcd $ETCD_VERSION (one member, loopback, fsync on, --max-txn-ops $LOAD_TXN_OPS); wrk $WRK_VERSION"
  echo "- chypervisord commit $COMMIT${DIRTY:+ (with uncommitted changes)}; etcd-backed service flags: --kv etcd://... ${SERVICE_ARGS:-(view on, the default)}"
  echo "- wrk: $THREADS threads, $CONNS connections ($LIST_CONNS for the whole list, every side), ${DURATION} s per run after a ${WARMUP} s warm-up; ${JIT_WARMUP} s of JIT warm-up of each service before the first scenario"
  echo "- data: $SIZES hypervisors (8 keys each: record, 4 config keys, 2 subnets, 1 guest), loaded straight into etcd ($LOAD_TXN_OPS puts per txn, 8 txns in flight); the same records, config and subnets loaded into the memory-store service through its API (POST, PATCH config, PATCH subnets; 32 hypervisors in flight). Guests cannot be written through the API (other daemons write them into the store), so the memory-store service has none."
  local n
  for n in "${SIZE_LIST[@]}"; do
    [ -n "${LOAD_ETCD_MS[$n]:-}" ] && echo "- load to N=$n: etcd $(awk -v m="${LOAD_ETCD_MS[$n]}" 'BEGIN { printf "%.1f", m / 1000 }') s, memory-store service through the API $(awk -v m="${LOAD_MEM_MS[$n]}" 'BEGIN { printf "%.1f", m / 1000 }') s (not part of any scenario)"
  done
  echo "- reference (etcd direct): the same work on etcd's JSON gateway: range of the hypervisor's prefix (GET by id), range of lochness/hypervisors/ (list), one txn compare + put (PATCH config, POST)"
  echo "- memory store: the same service with --kv mem://, the ceiling of the HTTP stack on this machine"
  echo
  echo "| scenario | chypervisord req/s | p50 ms | p99 ms | memory store req/s | p50 ms | p99 ms | etcd direct req/s | p50 ms | p99 ms | req/s vs etcd | p50 vs etcd | req/s vs memory | non-2xx (chyp / mem / etcd) | CPU us/req: service + its etcd / memory store / etcd direct | store calls/req: read + revision + txn | lists checked (wrong) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local s c m e
  while IFS= read -r s; do
    c=chypervisord; m="memory store"; e="etcd direct"
    local checked
    checked="$(get "$s" $c 14)"
    [ "$checked" = 0 ] && checked="-" || checked="$checked ($(get "$s" $c 15)) / $(get "$s" "$m" 14) ($(get "$s" "$m" 15))"
    echo "| $s | $(get "$s" $c 3) | $(ms "$(get "$s" $c 4)") | $(ms "$(get "$s" $c 5)") | $(get "$s" "$m" 3) | $(ms "$(get "$s" "$m" 4)") | $(ms "$(get "$s" "$m" 5)") | $(get "$s" "$e" 3) | $(ms "$(get "$s" "$e" 4)") | $(ms "$(get "$s" "$e" 5)") | $(ratio "$(get "$s" $c 3)" "$(get "$s" "$e" 3)") | $(ratio3 "$(get "$s" $c 4)" "$(get "$s" "$e" 4)") | $(ratio "$(get "$s" $c 3)" "$(get "$s" "$m" 3)") | $(get "$s" $c 7) / $(get "$s" "$m" 7) / $(get "$s" "$e" 7) | $(get "$s" $c 9) + $(get "$s" $c 10) / $(get "$s" "$m" 9) / $(get "$s" "$e" 10) | $(get "$s" $c 11) + $(get "$s" $c 12) + $(get "$s" $c 13) | $checked |"
  done < <(cut -f1 "$RESULTS" | awk '!seen[$0]++')
  echo
  echo "- non-2xx counts answers with status >= 400 (wrk's status errors); socket errors (connect, read, write, timeout) are in the log above the table when not zero"
  for n in "${SIZE_LIST[@]}"; do
    echo "- peak RSS (VmHWM) after the scenarios at N=$n: chypervisord (etcd) $(mb "${PEAK_KB[$n]:-0}") MB; memory-store service $(mb "${MEM_PEAK_KB[$n]:-0}") MB"
  done
  echo "- chypervisord (etcd) at the end, after POST: VmHWM $(mb "$END_PEAK_KB") MB, VmRSS $(mb "$END_RSS_KB") MB"
  echo "- chypervisord start to first served GET /hypervisors: ${STARTUP_MS} ms (empty store; polled every ~10 ms from launch)"
  echo "- restart of chypervisord (etcd) on the whole data set ($(wc -l <"$DATA") hypervisors before POST, plus those POST made): first 200 of GET /hypervisors/{id} after ${RESTART_FIRST_MS} ms, view ready (chypervisord_view_ready = 1) after ${VIEW_READY_MS:-n/a} ms, chypervisord_view_load_seconds ${VIEW_LOAD_S:-n/a}, chypervisord_view_hypervisors ${VIEW_HV:-n/a}, peak RSS then $(mb "$RESTART_PEAK_KB") MB"
  local note
  for note in "${NOTES[@]}"; do echo "- note: $note"; done
  echo
  echo "## Targets"
  echo
  target() { echo "- $1: $2 ($3)"; }
  verdict() { awk "BEGIN { exit !($1) }" && echo MET || echo MISSED; }
  num() { [[ "$1" =~ ^[0-9.]+$ ]] && echo "$1" || echo -1; }
  local v w non2xx sock
  for n in "${SIZE_LIST[@]}"; do
    v=$(ratio "$(get "GET by id (N=$n)" chypervisord 3)" "$(get "GET by id (N=$n)" "etcd direct" 3)")
    w=$(ratio "$(get "GET by id (N=$n)" chypervisord 3)" "$(get "GET by id (N=$n)" "memory store" 3)")
    target "GET by id over etcd >= 4 x etcd direct req/s and >= 0.5 x the memory store (N=$n)" \
      "$(verdict "$(num "$v") >= 4 && $(num "$w") >= 0.5")" "$v x etcd direct, $w x memory store"
  done
  v=$(ratio3 "$(get "GET list (N=$MID)" chypervisord 4)" "$(get "GET list (N=$MID)" "etcd direct" 4)")
  target "whole list at N=$MID: p50 <= 0.05 x etcd direct" "$(verdict "$(num "$v") >= 0 && $(num "$v") <= 0.05")" \
    "p50 $(ms "$(get "GET list (N=$MID)" chypervisord 4)") ms against $(ms "$(get "GET list (N=$MID)" "etcd direct" 4)") ms: $v x"
  s="GET list (N=$BIG)"
  non2xx=$(get "$s" chypervisord 7); sock=$(get "$s" chypervisord 8)
  local checked wrong
  checked=$(get "$s" chypervisord 14); wrong=$(get "$s" chypervisord 15)
  target "whole list at N=$BIG: every answer 200 with all $BIG records" \
    "$(verdict "$(num "$checked") > 0 && $(num "$wrong") == 0 && $(num "$non2xx") == 0 && $(num "$sock") == 0")" \
    "$(get "$s" chypervisord 6) answers, $non2xx non-2xx, $sock socket errors, $checked counted of which $wrong short; p50 $(ms "$(get "$s" chypervisord 4)") ms, p99 $(ms "$(get "$s" chypervisord 5)") ms; view load after a restart at N=$(wc -l <"$DATA"): ${VIEW_LOAD_S:-n/a} s (ready ${VIEW_READY_MS:-n/a} ms after launch); etcd direct: $(get "$s" "etcd direct" 6) answers, $(get "$s" "etcd direct" 7) non-2xx, p50 $(ms "$(get "$s" "etcd direct" 4)") ms"
  for n in "${SIZE_LIST[@]}"; do
    v=$(ratio "$(get "PATCH config (N=$n)" chypervisord 3)" "$(get "PATCH config (N=$n)" "etcd direct" 3)")
    non2xx=$(get "PATCH config (N=$n)" chypervisord 7)
    target "PATCH config >= 0.9 x etcd direct txn req/s, zero non-2xx (N=$n)" \
      "$(verdict "$(num "$v") >= 0.9 && $(num "$non2xx") == 0")" "$v x, $non2xx non-2xx"
  done
  for n in "${SIZE_LIST[@]}"; do
    s="GET by id (N=$n)"
    v=$(awk -v a="$(get "$s" chypervisord 11)" -v b="$(get "$s" chypervisord 12)" -v c="$(get "$s" chypervisord 13)" 'BEGIN { printf "%.3f", a + b + c }')
    target "store calls per GET by id under $CONNS connections <= 0.25 (N=$n)" "$(verdict "$v <= 0.25")" \
      "$v: read $(get "$s" chypervisord 11) + revision $(get "$s" chypervisord 12) + txn $(get "$s" chypervisord 13)"
  done
  target "peak RSS < 300 MB at N=$MID" "$(verdict "${PEAK_KB[$MID]:-0} > 0 && ${PEAK_KB[$MID]:-0} < 300 * 1024")" "$(mb "${PEAK_KB[$MID]:-0}") MB"
  target "peak RSS < 1 GB at N=$BIG" "$(verdict "${PEAK_KB[$BIG]:-0} > 0 && ${PEAK_KB[$BIG]:-0} < 1024 * 1024")" "$(mb "${PEAK_KB[$BIG]:-0}") MB"
  target "start to first served request < 2 s (empty store)" "$(verdict "$STARTUP_MS < 2000")" "${STARTUP_MS} ms"
  if [ "$SMOKE" = 1 ]; then echo; echo "(smoke run: the targets above are not meaningful at this size and duration)"; fi
  if [ "$MID" != 10000 ] || [ "$BIG" != 100000 ]; then
    echo; echo "(the targets name N=10,000 and N=100,000; this run measured them at N=$MID and N=$BIG)"
  fi
}

REPORT=$(report)
echo
echo "$REPORT"
if [ -n "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  echo "$REPORT" >"$OUT"
  log "results written to $OUT"
fi

if [ "${#BROKEN[@]}" -gt 0 ]; then
  printf '[bench] BROKEN: %s\n' "${BROKEN[@]}" >&2
  exit 1
fi
