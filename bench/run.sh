#!/usr/bin/env bash
# The chypervisord benchmark: starts its own etcd and chypervisord on loopback ports, loads
# hypervisors straight into etcd (not timed), drives each scenario with wrk against chypervisord
# and, as the reference, the same work straight against etcd's JSON gateway, and prints a table
# (also written to bench/results/latest.md). See bench/README.md.
#
#   bench/run.sh                 full run: N=1,000 then N=10,000, 10 s per scenario
#   bench/run.sh --smoke         tiny N, 1 s per scenario; fails only when something is broken
#   bench/run.sh --help          all options
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
. "$ROOT/scripts/lib.sh"

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]
  --smoke               tiny data set (10 then 20 hypervisors), 1 s scenarios, no warm-up; exits
                        non-zero only when something is broken, never on timing; writes no results
  --duration SECONDS    length of each measured wrk run (default 10)
  --warmup SECONDS      untimed wrk run before each measured one, both sides (default 3; 0 = none)
  --jit-warmup SECONDS  untimed load on the service (GET by id, PATCH, list) before the first
                        scenario, so that its JIT has compiled the hot paths (default 15; 0 = none)
  --connections N       wrk connections for the per-hypervisor scenarios (default 32)
  --list-connections N  wrk connections for the whole-list scenario, both sides (default 4)
  --threads N           wrk threads (default 2)
  --sizes "N1 N2 ..."   data-set sizes, loaded in turn by topping up (default "1000 10000")
  --out FILE            results file (default bench/results/latest.md; the smoke run writes none)
Environment: CHYP_JAVA_OPTS (JVM flags of the service; default "-XX:+UseSerialGC -Xmx96m", as run.sh),
             JAVA_HOME (the JDK; else the newest 21+ under /usr/lib/jvm).
EOF
}

SMOKE=0
DURATION=10
WARMUP=3
JIT_WARMUP=15
CONNS=32
LIST_CONNS=4
THREADS=2
SIZES="1000 10000"
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

log() { echo "[bench] $*" >&2; }
die() { echo "[bench] FAILED: $*" >&2; exit 1; }

# ---- processes and cleanup --------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/chypervisord-bench.XXXXXX")
ETCD_PID=""
CHYP_PID=""
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
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$CHYP_PID"
  stop "$ETCD_PID"
  if [ "$status" != 0 ] && [ -d "$TMP" ]; then
    for f in "$TMP/chypervisord.log" "$TMP/etcd.log"; do
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
if [ ! -f "$JAR" ] || [ -n "$(cd "$ROOT" && find domain adapters-* bootstrap pom.xml \( -name '*.java' -o -name pom.xml -o -path '*/resources/*' \) -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  find_maven
  log "building chypervisord ..."
  (cd "$ROOT" && MAVEN_OPTS="${MAVEN_OPTS:-} $(jvm_quiet_opts)" mvn -B -q -ntp -DskipTests -P-distribution package -pl bootstrap -am >&2) \
    || die "the build failed"
fi
JAVA="$JAVA_HOME/bin/java"
ETCD=$(command -v etcd || echo /usr/bin/etcd)

# A free loopback TCP port (nothing accepts on it and we have not handed it out yet).
USED_PORTS=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS="$USED_PORTS$p "
      echo "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

now_ns() { date +%s%N; }

# ---- etcd -------------------------------------------------------------------------------------
ETCD_PORT=$(free_port)
ETCD_PEER_PORT=$(free_port)
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
log "starting etcd on $ETCD_URL (data in $TMP/etcd)"
"$ETCD" --name bench --data-dir "$TMP/etcd" \
  --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER_PORT" \
  --quota-backend-bytes $((8 * 1024 * 1024 * 1024)) \
  --logger zap --log-level warn >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
for i in $(seq 1 200); do
  curl -fsS -m 1 "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"' && break
  kill -0 "$ETCD_PID" 2>/dev/null || die "etcd exited at start (see its log above)"
  [ "$i" = 200 ] && die "etcd did not become healthy within 20 s"
  sleep 0.1
done

# ---- chypervisord: time from process start to the first served GET /hypervisors ---------------
CHYP_PORT=$(free_port)
CHYP_URL="http://127.0.0.1:$CHYP_PORT"
log "starting chypervisord on $CHYP_URL ($CHYP_JAVA_OPTS)"
# shellcheck disable=SC2086 # CHYP_JAVA_OPTS is a list of flags
START_NS=$(now_ns)
"$JAVA" $(jvm_quiet_opts) $CHYP_JAVA_OPTS -jar "$JAR" --kv "etcd://127.0.0.1:$ETCD_PORT" -p "$CHYP_PORT" \
  >"$TMP/chypervisord.log" 2>&1 &
CHYP_PID=$!
FIRST_NS=""
deadline=$(( START_NS + 60 * 1000000000 ))
while :; do
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$CHYP_URL/hypervisors" 2>/dev/null || true)
  if [ "$code" = 200 ]; then FIRST_NS=$(now_ns); break; fi
  kill -0 "$CHYP_PID" 2>/dev/null || die "chypervisord exited at start (see its log above)"
  [ "$(now_ns)" -lt "$deadline" ] || die "chypervisord served no GET /hypervisors within 60 s (last status $code)"
  sleep 0.01
done
STARTUP_MS=$(( (FIRST_NS - START_NS) / 1000000 ))
log "chypervisord served its first GET /hypervisors ${STARTUP_MS} ms after its start"

# ---- data -------------------------------------------------------------------------------------
IDS="$TMP/ids.txt"
: >"$IDS"
LOADED=0
load_to() {
  local target=$1 t0
  (( target > LOADED )) || return 0
  t0=$(now_ns)
  "$JAVA" "$BENCH_DIR/Loader.java" "$ETCD_URL" $(( target - LOADED )) "$IDS" || die "loading into etcd failed"
  LOADED=$target
  [ "$(wc -l <"$IDS")" -eq "$LOADED" ] || die "the ids file does not hold $LOADED ids"
  log "loaded $LOADED hypervisors into etcd (8 keys each) in $(( ($(now_ns) - t0) / 1000000 )) ms"
}

# ---- wrk --------------------------------------------------------------------------------------
# scenario, side, req/s, p50 us, p99 us, requests, non-2xx, socket errors, CPU us per request of
# chypervisord and of etcd
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
BROKEN=()

# CPU time (user + system) a process has used so far, in microseconds.
cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e6 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# run_wrk SCENARIO SIDE CONNECTIONS URL SCRIPT: a warm-up (when asked), then the measured run.
run_wrk() {
  local scenario=$1 side=$2 conns=$3 url=$4 script=$5 out line requests duration status socket p50 p99 rps
  local chyp0 etcd0 chyp_cpu etcd_cpu
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t "$THREADS" -c "$conns" -d "${WARMUP}s" --timeout 30s -s "$BENCH_DIR/lua/$script" "$url" -- "$IDS" \
      >/dev/null 2>&1 || true
  fi
  local ops0="" ops_per="-"
  if [ "$side" = chypervisord ]; then ops0=$(metric_ops) || die "cannot read /observe/metrics"; fi
  chyp0=$(cpu_us "$CHYP_PID"); etcd0=$(cpu_us "$ETCD_PID")
  out=$(wrk -t "$THREADS" -c "$conns" -d "${DURATION}s" --timeout 30s -s "$BENCH_DIR/lua/$script" "$url" -- "$IDS" 2>&1) \
    || { echo "$out" >&2; die "wrk failed on $scenario ($side)"; }
  chyp_cpu=$(( $(cpu_us "$CHYP_PID") - chyp0 )); etcd_cpu=$(( $(cpu_us "$ETCD_PID") - etcd0 ))
  local ops1=""
  if [ "$side" = chypervisord ]; then ops1=$(metric_ops) || die "cannot read /observe/metrics"; fi
  line=$(grep '^BENCHRESULT ' <<<"$out" | tail -1)
  [ -n "$line" ] || { echo "$out" >&2; die "wrk printed no result for $scenario ($side)"; }
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
  requests=$(field requests); duration=$(field duration_us); status=$(field status_errors)
  socket=$(field socket_errors); p50=$(field p50_us); p99=$(field p99_us)
  rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')
  # CPU per request of the service and of etcd during the measured run (robust to other load).
  local chyp_per etcd_per
  chyp_per=$(awk -v c="$chyp_cpu" -v r="$requests" 'BEGIN { printf "%.0f", (r > 0 ? c / r : 0) }')
  etcd_per=$(awk -v c="$etcd_cpu" -v r="$requests" 'BEGIN { printf "%.0f", (r > 0 ? c / r : 0) }')
  # Store round trips (reads and txns) per request: concurrent lists share reads, PATCH reads none.
  if [ -n "$ops1" ]; then
    ops_per=$(awk -v a="$ops1" -v b="$ops0" -v r="$requests" 'BEGIN { printf "%.2f", (r > 0 ? (a - b) / r : 0) }')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$side" "$rps" "$p50" "$p99" "$requests" "$status" \
    "$socket" "$chyp_per" "$etcd_per" "$ops_per" >>"$RESULTS"
  log "$(printf '%-28s %-13s %9s req/s  p50 %8s us  p99 %8s us  non-2xx %s  socket errors %s  CPU/req: service %s us, etcd %s us' \
    "$scenario" "$side" "$rps" "$p50" "$p99" "$status" "$socket" "$chyp_per" "$etcd_per")"
  if (( requests - status <= 0 )); then
    BROKEN+=("$scenario ($side): no successful request")
  fi
}

# scenario NAME CONNECTIONS CHYP_SCRIPT ETCD_SCRIPT: etcd direct first, then chypervisord.
scenario() {
  run_wrk "$1" "etcd direct" "$2" "$ETCD_URL" "$4"
  run_wrk "$1" "chypervisord" "$2" "$CHYP_URL" "$3"
}

# Every store call the service made so far (reads and txns, all outcomes).
metric_ops() {
  curl -fsS -m 10 "$CHYP_URL/observe/metrics" \
    | awk '/^chypervisord_store_operations_seconds_count\{/ { s += $NF } END { printf "%d", s }'
}

metric_reads() {
  curl -fsS -m 10 "$CHYP_URL/observe/metrics" \
    | awk '/^chypervisord_store_operations_seconds_count\{/ && /operation="read"/ { s += $NF } END { printf "%d", s }'
}

# Store reads per GET /hypervisors: the read counters summed over outcomes, before and after a
# known number of sequential list requests (nothing else runs meanwhile).
LIST_CALLS=20
reads_per_list() {
  local before after i
  before=$(metric_reads) || die "cannot read /observe/metrics"
  for i in $(seq 1 "$LIST_CALLS"); do
    curl -fsS -m 30 -o /dev/null "$CHYP_URL/hypervisors" || die "GET /hypervisors failed"
  done
  after=$(metric_reads) || die "cannot read /observe/metrics"
  READS_BEFORE=$before
  READS_AFTER=$after
  READS_PER_LIST=$(awk -v a="$after" -v b="$before" -v n="$LIST_CALLS" 'BEGIN { printf "%.2f", (a - b) / n }')
  log "store reads per GET /hypervisors: $READS_PER_LIST ($before -> $after over $LIST_CALLS requests, N=$LOADED)"
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
CPU_BUSY_BEFORE=$(cpu_busy)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_BEFORE=$(ps -eo pcpu=,pid=,comm= --sort=-pcpu | awk '$1 > 5 && n++ < 8 { printf "%s%s %s%%", sep, $3, $1; sep=", " }' || true)

read -r -a SIZE_LIST <<<"$SIZES"
LAST_SIZE=${SIZE_LIST[$(( ${#SIZE_LIST[@]} - 1 ))]}
for n in "${SIZE_LIST[@]}"; do
  load_to "$n"
  if [ "$JIT_WARMUP" -gt 0 ] && [ "$n" = "${SIZE_LIST[0]}" ]; then
    log "warming the service's JIT up: ${JIT_WARMUP} s of GET by id, PATCH config and list (not measured)"
    for s in chyp_get.lua chyp_patch.lua chyp_list.lua; do
      wrk -t "$THREADS" -c "$CONNS" -d "$(( (JIT_WARMUP + 2) / 3 ))s" --timeout 30s -s "$BENCH_DIR/lua/$s" "$CHYP_URL" -- "$IDS" \
        >/dev/null 2>&1 || true
    done
  fi
  if [ "$n" = "$LAST_SIZE" ]; then reads_per_list; fi
  scenario "GET by id (N=$n)" "$CONNS" chyp_get.lua etcd_get.lua
  scenario "GET list (N=$n)" "$LIST_CONNS" chyp_list.lua etcd_list.lua
  scenario "PATCH config (N=$n)" "$CONNS" chyp_patch.lua etcd_patch.lua
done
# POST grows the data set, so it runs once, last.
scenario "POST new (from N=$LAST_SIZE)" "$CONNS" chyp_post.lua etcd_post.lua

PEAK_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CHYP_PID/status" 2>/dev/null || echo 0)
RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$CHYP_PID/status" 2>/dev/null || echo 0)
kill -0 "$CHYP_PID" 2>/dev/null || die "chypervisord died during the benchmark"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -----------------------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN { printf (u >= 100000 ? "%.0f" : (u >= 10000 ? "%.1f" : "%.2f")), u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
get() { awk -F'\t' -v s="$1" -v side="$2" -v c="$3" '$1 == s && $2 == side { print $c }' "$RESULTS"; }

JDK_VERSION=$("$JAVA" -version 2>&1 | sed -n 1p || true)
ETCD_VERSION=$("$ETCD" --version 2>/dev/null | sed -n 's/^etcd Version: //p' || true)
WRK_VERSION=$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true)
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM_TOTAL=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain -- domain adapters-etcd adapters-http adapters-consul bootstrap pom.xml 2>/dev/null || true)

report() {
  echo "# chypervisord benchmark$([ "$SMOKE" = 1 ] && echo ' (smoke run: tiny N, 1 s scenarios; timings mean nothing)')"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) cores ($CPU_MODEL), $MEM_TOTAL memory; wrk, etcd and the service share the cores"
  echo "- other load: CPU ${CPU_BUSY_BEFORE} busy over the second before the first scenario (etcd and the service idle); load average before / after: $LOAD_BEFORE / $LOAD_AFTER; top processes by lifetime CPU at the start: ${BUSY_BEFORE:-none}"
  echo "- JDK: $JDK_VERSION ($JAVA_HOME); service JVM flags: $(jvm_quiet_opts) $CHYP_JAVA_OPTS"
  echo "- etcd $ETCD_VERSION (one member, loopback, fsync on); wrk $WRK_VERSION"
  echo "- chypervisord commit $COMMIT${DIRTY:+ (with uncommitted changes)}"
  echo "- wrk: $THREADS threads, $CONNS connections ($LIST_CONNS for the whole list, both sides), ${DURATION} s per run after a ${WARMUP} s warm-up; ${JIT_WARMUP} s of JIT warm-up of the service before the first scenario"
  echo "- data: $SIZES hypervisors (8 keys each: record, 4 config keys, 2 subnets, 1 guest), loaded straight into etcd"
  echo "- reference: the same work on etcd's JSON gateway: range of the hypervisor's prefix (GET by id), range of lochness/hypervisors/ (list), one txn compare + put (PATCH config, POST)"
  echo
  echo "| scenario | chypervisord req/s | p50 ms | p99 ms | etcd direct req/s | p50 ms | p99 ms | req/s ratio | p50 ratio | non-2xx (chyp / etcd) | CPU us/req: service + its etcd / etcd direct | store calls/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local s
  while IFS= read -r s; do
    local cr cp50 cp99 cn er ep50 ep99 en
    cr=$(get "$s" chypervisord 3); cp50=$(get "$s" chypervisord 4); cp99=$(get "$s" chypervisord 5); cn=$(get "$s" chypervisord 7)
    er=$(get "$s" "etcd direct" 3); ep50=$(get "$s" "etcd direct" 4); ep99=$(get "$s" "etcd direct" 5); en=$(get "$s" "etcd direct" 7)
    echo "| $s | $cr | $(ms "$cp50") | $(ms "$cp99") | $er | $(ms "$ep50") | $(ms "$ep99") | $(ratio "$cr" "$er") | $(ratio "$cp50" "$ep50") | $cn / $en | $(get "$s" chypervisord 9) + $(get "$s" chypervisord 10) / $(get "$s" "etcd direct" 10) | $(get "$s" chypervisord 11) |"
  done < <(cut -f1 "$RESULTS" | awk '!seen[$0]++')
  echo
  echo "- chypervisord peak RSS (VmHWM at the end): $(( PEAK_RSS_KB / 1024 )) MB (VmRSS then: $(( RSS_KB / 1024 )) MB)"
  echo "- chypervisord start to first served GET /hypervisors: ${STARTUP_MS} ms (empty store; polled every ~10 ms from launch)"
  echo "- store reads per GET /hypervisors at N=$LAST_SIZE: $READS_PER_LIST ($LIST_CALLS sequential requests; chypervisord_store_operations_seconds_count{operation=\"read\"} $READS_BEFORE -> $READS_AFTER)"
  echo
  echo "## Targets"
  echo
  local big="$LAST_SIZE" v
  target() { echo "- $1: $2 ($3)"; }
  verdict() { awk "BEGIN { exit !($1) }" && echo MET || echo MISSED; }
  for n in "${SIZE_LIST[@]}"; do
    v=$(ratio "$(get "GET by id (N=$n)" chypervisord 3)" "$(get "GET by id (N=$n)" "etcd direct" 3)")
    target "GET by id >= 0.5 x etcd direct req/s (N=$n)" "$(verdict "\"$v\" != \"n/a\" && $v >= 0.5")" "ratio $v"
  done
  local p50r p99r
  p50r=$(ratio "$(get "GET list (N=$big)" chypervisord 4)" "$(get "GET list (N=$big)" "etcd direct" 4)")
  p99r=$(ratio "$(get "GET list (N=$big)" chypervisord 5)" "$(get "GET list (N=$big)" "etcd direct" 5)")
  target "whole list at N=$big <= 2 x etcd direct latency" "$(verdict "\"$p50r\" != \"n/a\" && $p50r <= 2")" "p50 ratio $p50r, p99 ratio $p99r"
  target "one store round trip per list request" "$(verdict "$READS_PER_LIST == 1")" "$READS_PER_LIST reads per request"
  for n in "${SIZE_LIST[@]}"; do
    v=$(ratio "$(get "PATCH config (N=$n)" chypervisord 3)" "$(get "PATCH config (N=$n)" "etcd direct" 3)")
    local non2xx
    non2xx=$(get "PATCH config (N=$n)" chypervisord 7)
    target "PATCH config >= 0.5 x etcd direct txn req/s, zero non-2xx (N=$n)" \
      "$(verdict "\"$v\" != \"n/a\" && $v >= 0.5 && $non2xx == 0")" "ratio $v, $non2xx non-2xx"
  done
  target "peak RSS < 300 MB at N=$big" "$(verdict "$PEAK_RSS_KB < 300 * 1024")" "$(( PEAK_RSS_KB / 1024 )) MB"
  target "start to first served request < 2 s" "$(verdict "$STARTUP_MS < 2000")" "${STARTUP_MS} ms"
  if [ "$SMOKE" = 1 ]; then echo; echo "(smoke run: the targets above are not meaningful at this size and duration)"; fi
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
