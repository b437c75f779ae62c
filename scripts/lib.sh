# Shared helpers for run.sh, test.sh and bench/run.sh. Source it; it defines functions only.

# Picks a JDK 21+ and exports JAVA_HOME and PATH: JAVA_HOME if it is one, else the newest
# under /usr/lib/jvm. Says what is missing when there is none.
find_jdk() {
  local candidates=() dir version best="" best_version=0
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for dir in /usr/lib/jvm/*; do [ -d "$dir" ] && [ ! -L "$dir" ] && candidates+=("$dir"); done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    version=$("$dir/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    version=${version%%.*}
    [ -n "$version" ] || continue
    if [ "$dir" = "${JAVA_HOME:-}" ] && [ "$version" -ge 21 ]; then best=$dir; best_version=$version; break; fi
    if [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then best=$dir; best_version=$version; fi
  done
  if [ -z "$best" ] && [ -z "${_FIND_JDK_INSTALLED:-}" ]; then
    # A fresh Debian machine: install one from the archive when we can, then look again.
    _FIND_JDK_INSTALLED=1
    if install_debian_package openjdk-21-jdk-headless || install_debian_package openjdk-25-jdk-headless; then
      find_jdk
      return
    fi
  fi
  if [ -z "$best" ]; then
    echo "chypervisord needs a JDK 21 or newer (Helidon 4); none found in JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one, e.g.: apt-get install openjdk-21-jdk-headless (or temurin-21-jdk), or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Makes sure Maven is there (Debian's package when missing and we are root).
find_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  install_debian_package maven || {
    echo "Maven is missing: install it (apt-get install maven) and run again." >&2
    return 1
  }
}

# Installs a Debian package when we can (root with apt-get); returns non-zero otherwise.
install_debian_package() {
  local pkg=$1
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian package $pkg ..." >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 || return 1
    fi
    return 0
  fi
  return 1
}

# Makes sure an etcd binary is on the PATH: Debian's etcd-server when missing.
ensure_etcd() {
  command -v etcd >/dev/null 2>&1 && return 0
  [ -x /usr/bin/etcd ] && return 0
  install_debian_package etcd-server && command -v etcd >/dev/null 2>&1 && return 0
  echo "etcd is missing and could not be installed here." >&2
  echo "On Debian/Ubuntu, as root: apt-get update && apt-get install etcd-server" >&2
  echo "Or put an etcd 3.4+ binary on the PATH." >&2
  return 1
}

# Makes sure promtool (Prometheus's metrics linter, in Debian's prometheus package) is installed:
# the metrics test runs it on /observe/metrics.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  install_debian_package prometheus && command -v promtool >/dev/null 2>&1 && return 0
  echo "promtool is missing: apt-get install prometheus (or put promtool on the PATH)" >&2
  return 1
}

# Makes sure curl (the scripts' HTTP probe) is installed.
ensure_curl() {
  command -v curl >/dev/null 2>&1 && return 0
  install_debian_package curl && return 0
  echo "curl is missing: apt-get install curl" >&2
  return 1
}

# Makes sure wrk (the load generator of the benchmark) is installed.
ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  install_debian_package wrk && return 0
  echo "wrk is missing: apt-get install wrk" >&2
  return 1
}

# The service's default JVM flags (JAVA_OPTS overrides them in run.sh, CHYP_JAVA_OPTS in the
# benchmark): the serial collector and a heap that starts at 32 MB and may grow to 512 MB, which
# holds the registry view of 100,000 hypervisors with room for requests (README, "Stores" and
# "Performance"); a small fleet keeps the heap small. Raise -Xmx by about 2.5 MB per 1,000
# hypervisors beyond that. The heap free ratios keep the heap close to what is live, so a small
# fleet stays small (peak RSS at 10,000 hypervisors: 342 MB with the JVM's defaults of 40/70,
# 289 MB with 10/30, in the benchmark).
# -XX:+ExitOnOutOfMemoryError: a JVM out of heap exits (status 3) so that a supervisor restarts it,
# rather than living on with a GC that runs all the time and answers nothing.
SERVICE_JAVA_OPTS_DEFAULT="-XX:+UseSerialGC -Xms32m -Xmx512m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:+ExitOnOutOfMemoryError"
# Fewer glibc malloc arenas: the JVM's native allocations then fragment less (about 10 MB of RSS).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}

# The JVM options the project runs Maven and the service with (JDK 25 warns about sun.misc.Unsafe).
jvm_quiet_opts() {
  local v
  v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [ "${v%%.*}" -ge 24 ]; then echo "--sun-misc-unsafe-memory-access=allow"; fi
}
