#!/usr/bin/env bash
# Runs chypervisord in the foreground (Ctrl-C stops it). Builds it first when needed. With the
# default --kv (http://localhost:4001) and nothing answering there, it also starts a local etcd
# on 127.0.0.1:4001 with its data in ./var/etcd (kept across runs), installing Debian's
# etcd-server when etcd is missing. Flags are chypervisord's own: ./run.sh --help.
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

find_jdk
ensure_curl || exit 1
JAR=bootstrap/target/chypervisord.jar
if [ ! -f "$JAR" ] || [ -n "$(find domain adapters-* bootstrap pom.xml \( -name '*.java' -o -name pom.xml -o -path '*/resources/*' \) -newer "$JAR" -print -quit 2>/dev/null)" ]; then
  find_maven
  echo "building chypervisord ..." >&2
  MAVEN_OPTS="${MAVEN_OPTS:-} $(jvm_quiet_opts)" mvn -B -q -ntp -DskipTests install >&2
fi

# The --kv the service will get, in any of its spellings.
kv=http://localhost:4001
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    -k|--kv) kv=${args[$((i + 1))]:-} ;;
    --kv=*) kv=${args[$i]#--kv=} ;;
    -k=*) kv=${args[$i]#-k=} ;;
    -k*) kv=${args[$i]#-k} ;;
    -h|--help) exec java $(jvm_quiet_opts) -jar "$JAR" --help ;;
  esac
done

stop_etcd() {
  if [ -n "$etcd_pid" ] && kill -0 "$etcd_pid" 2>/dev/null; then
    kill -TERM "$etcd_pid" 2>/dev/null || true
    wait "$etcd_pid" 2>/dev/null || true
  fi
}
trap stop_etcd EXIT

answers() { curl -fsS -m 1 "$1/version" >/dev/null 2>&1 || curl -fsS -m 1 "$1/v1/status/leader" >/dev/null 2>&1; }

if [ "$kv" = "http://localhost:4001" ] && ! answers http://127.0.0.1:4001; then
  ensure_etcd
  mkdir -p var/etcd
  echo "starting a local etcd on 127.0.0.1:4001 (data in ./var/etcd, log in ./var/etcd.log)" >&2
  etcd --name chypervisord-local --data-dir var/etcd \
    --listen-client-urls http://127.0.0.1:4001 --advertise-client-urls http://127.0.0.1:4001 \
    --listen-peer-urls http://127.0.0.1:4002 --initial-advertise-peer-urls http://127.0.0.1:4002 \
    --initial-cluster chypervisord-local=http://127.0.0.1:4002 >var/etcd.log 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS -m 1 http://127.0.0.1:4001/health >/dev/null 2>&1 && break
    kill -0 "$etcd_pid" 2>/dev/null || { echo "etcd failed to start; see var/etcd.log:" >&2; tail -20 var/etcd.log >&2; exit 1; }
    sleep 0.1
  done
fi

# The JVM runs as a child so that this script can stop the etcd it started afterwards. Ctrl-C
# and SIGTERM reach the script, which passes them to the JVM as SIGTERM (a graceful stop,
# on_signal above) and waits for it; the EXIT trap then stops etcd.
java $(jvm_quiet_opts) ${JAVA_OPTS:-$SERVICE_JAVA_OPTS_DEFAULT} -jar "$JAR" "$@" &
java_pid=$!
status=0
while :; do
  wait "$java_pid" && status=0 || status=$?
  kill -0 "$java_pid" 2>/dev/null || break # still running: the wait was cut short by a signal
done
exit "$status"
