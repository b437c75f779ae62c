#!/usr/bin/env bash
# Builds chypervisord and runs every test: the domain, the HTTP API on the in-memory store and on
# a real etcd (started by the tests themselves), the Consul adapter's wire tests, and a smoke run of
# the benchmark. Installs what it needs (a JDK 21+ is looked for; etcd-server, prometheus (for
# promtool), wrk and maven come from Debian's packages when missing and we are root). The build
# also makes the self-contained distribution (bootstrap/target/chypervisord-*-linux-x64.tar.gz)
# and checks every module's dependencies (dependency:analyze).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/lib.sh

find_jdk
find_maven
ensure_etcd || { [ "${CI:-}" = true ] && exit 1; echo "the etcd tests will be skipped" >&2; }
ensure_promtool || { [ "${CI:-}" = true ] && exit 1; echo "the promtool check of the metrics will be skipped" >&2; }

export MAVEN_OPTS="${MAVEN_OPTS:-} $(jvm_quiet_opts)"
echo "== JDK: $JAVA_HOME; etcd: $(command -v etcd || echo missing); promtool: $(command -v promtool || echo missing)"
mvn -B -ntp verify "$@"

if [ -x bench/run.sh ] && [ "${SKIP_BENCH_SMOKE:-}" != 1 ]; then
  echo "== benchmark smoke run (tiny N, 1 s per scenario; no timing is asserted)"
  bench/run.sh --smoke
fi
