#!/usr/bin/env bash
# Runs chypervisord in the foreground (Ctrl-C stops it). Builds it first when needed (mvn package
# of the bootstrap module, nothing installed into ~/.m2). With the default --kv
# (http://localhost:4001) and nothing answering there, it also starts a local etcd on
# 127.0.0.1:4001 with its data in ./var/etcd (mode 0700, kept across runs) and its log appended
# to ./var/etcd.log, installing Debian's etcd-server when etcd is missing. Flags are chypervisord's
# own, checked before anything starts: ./run.sh --help. Output is plain text (no colours).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/lib.sh

# Ctrl-C or SIGTERM: before the JVM runs, just leave (the EXIT trap stops a local etcd);
# once it runs, pass a graceful stop on to it and wait.
java_pid=""
etcd_pid=""
on_signal() {
  if [ -n "$java_pid" ]; then kill -TERM "$java_pid" 2>/dev/null || true; else exit 130; fi
}
trap on_signal INT TERM

say() { echo "run.sh: $*" >&2; }

find_jdk
ensure_curl || exit 1
JAR=bootstrap/target/chypervisord.jar
if [ ! -f "$JAR" ] || [ -n "$(find domain adapters-* bootstrap pom.xml \( -name '*.java' -o -name pom.xml -o -path '*/resources/*' \) -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  find_maven
  say "building chypervisord (mvn package -pl bootstrap -am) ..."
  # Maven 3.8 writes ANSI resets even in batch mode: strip every escape sequence.
  MAVEN_OPTS="${MAVEN_OPTS:-} $(jvm_quiet_opts)" mvn -B -q -ntp -DskipTests -P-distribution \
    package -pl bootstrap -am 2>&1 | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >&2
fi
JAVA=("$JAVA_HOME/bin/java" $(jvm_quiet_opts))

for arg in "$@"; do
  case "$arg" in -h|--help|-help|--version|-version) exec "${JAVA[@]}" -jar "$JAR" "$arg" ;; esac
done

# The flags (command line and CHYPERVISORD_* variables) checked by chypervisord itself before
# anything starts; it prints the effective kv and port.
if ! checked=$("${JAVA[@]}" -Dchypervisord.checkFlags=true -jar "$JAR" "$@"); then
  exit 2 # chypervisord said what is wrong
fi
kv=$(sed -n 's/^kv=//p' <<<"$checked")
port=$(sed -n 's/^port=//p' <<<"$checked")

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
answers() { curl -fsS -m 1 "$1/version" >/dev/null 2>&1 || curl -fsS -m 1 "$1/v1/status/leader" >/dev/null 2>&1; }

# One run.sh at a time owns ./var (the local etcd's data and log).
mkdir -p var
if command -v flock >/dev/null 2>&1; then
  exec 9>>var/run.lock
  if ! flock -n 9; then
    say "already running: another ./run.sh (pid $(head -c 20 var/run.lock 2>/dev/null | tr -dc 0-9)) holds ./var and its etcd; stop it first (Ctrl-C in its terminal)"
    exit 1
  fi
  echo $$ >var/run.lock
fi
if [ "$port" != 0 ] && listening "$port"; then
  say "already running: something listens on port $port (another chypervisord?); stop it or choose another port with -p"
  exit 1
fi

stop_etcd() {
  if [ -n "$etcd_pid" ] && kill -0 "$etcd_pid" 2>/dev/null; then
    kill -TERM "$etcd_pid" 2>/dev/null || true
    wait "$etcd_pid" 2>/dev/null || true
  fi
}
trap stop_etcd EXIT

if [ "$kv" = "http://localhost:4001" ] && ! answers http://127.0.0.1:4001; then
  if listening 4001 || listening 4002; then
    say "port 4001 or 4002 is taken by something that is not etcd; cannot start the local etcd"
    exit 1
  fi
  ensure_etcd
  mkdir -p var/etcd
  chmod 700 var/etcd # etcd wants its data directory private
  say "starting a local etcd on 127.0.0.1:4001 (data in ./var/etcd, log appended to ./var/etcd.log)"
  echo "=== run.sh (pid $$) starts etcd at $(date -u +%Y-%m-%dT%H:%M:%SZ) ===" >>var/etcd.log
  etcd --name chypervisord-local --data-dir var/etcd \
    --listen-client-urls http://127.0.0.1:4001 --advertise-client-urls http://127.0.0.1:4001 \
    --listen-peer-urls http://127.0.0.1:4002 --initial-advertise-peer-urls http://127.0.0.1:4002 \
    --initial-cluster chypervisord-local=http://127.0.0.1:4002 >>var/etcd.log 2>&1 9>&- &
  etcd_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS -m 1 http://127.0.0.1:4001/health >/dev/null 2>&1 && break
    if ! kill -0 "$etcd_pid" 2>/dev/null; then
      say "etcd failed to start; the end of var/etcd.log:"
      tail -20 var/etcd.log >&2
      exit 1
    fi
    sleep 0.1
  done
fi

# The JVM runs as a child so that this script can stop the etcd it started afterwards. Ctrl-C
# and SIGTERM reach the script, which passes them to the JVM as SIGTERM (a graceful stop,
# on_signal above) and waits for it; the EXIT trap then stops etcd.
"${JAVA[@]}" ${JAVA_OPTS:-$SERVICE_JAVA_OPTS_DEFAULT} -jar "$JAR" "$@" 9>&- &
java_pid=$!
status=0
while :; do
  wait "$java_pid" && status=0 || status=$?
  kill -0 "$java_pid" 2>/dev/null || break # still running: the wait was cut short by a signal
done
exit "$status"
