#!/usr/bin/env bash
# Installs what the benchmark suite (bench/run.sh, BenchmarkSuiteIT) needs, idempotently, cached
# outside the work tree (ISTHMUS_BENCH_HOME, default ~/.cache/isthmus-bench):
#   wrk and nginx            Debian packages (closed-loop load, the reference proxy and the upstream)
#   vegeta                   open-loop fixed-rate load, built from the Go module proxy
#   stock Spring Cloud Gateway  the anchor bench/anchors/stock-scg, copied and built with Maven
#   raw Reactor Netty proxy     the transport ceiling, bench/anchors/raw-reactor-netty, likewise
# A warm run only checks stamps and finishes in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VEGETA_VERSION=${VEGETA_VERSION:-v12.13.0}
BENCH_HOME=${ISTHMUS_BENCH_HOME:-$HOME/.cache/isthmus-bench}
ANCHORS=$ROOT/bench/anchors
mkdir -p "$BENCH_HOME/bin"

log() { printf '[bench-setup %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

apt_install() {
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

setup_debian() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  if [ ${#missing[@]} -gt 0 ]; then log "installing Debian packages: ${missing[*]}"; apt_install "${missing[@]}"; fi
  # The package may start a system nginx on port 80; the suite runs its own instances only.
  (command -v systemctl >/dev/null && systemctl disable --now nginx >/dev/null 2>&1) || true
  log "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"
}

setup_vegeta() {
  local out=$BENCH_HOME/bin/vegeta
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$VEGETA_VERSION" ]; then log "vegeta $VEGETA_VERSION: cached"; return; fi
  log "vegeta $VEGETA_VERSION: building from the Go module proxy"
  GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN=$BENCH_HOME/bin \
    go install -trimpath -ldflags="-s -w" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  [ -x "$BENCH_HOME/bin/v12" ] && mv "$BENCH_HOME/bin/v12" "$out"   # the module's binary is named after its last path element
  printf '%s' "$VEGETA_VERSION" > "$out.stamp"
}

# An anchor is built from a copy outside the work tree (no target/ under bench/), and rebuilt when
# its files change.
build_anchor() {
  local name=$1 jar=$2 dir=$BENCH_HOME/$1 sum
  sum=$(cd "$ANCHORS/$name" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  if [ -f "$dir/target/$jar" ] && [ "$(cat "$dir.stamp" 2>/dev/null)" = "$sum" ]; then log "$name: cached ($dir/target/$jar)"; return; fi
  log "$name: building a copy of bench/anchors/$name"
  rm -rf "$dir"; mkdir -p "$dir"; cp -r "$ANCHORS/$name/." "$dir/"
  "$ROOT/mvnw" -B -q -ntp -f "$dir/pom.xml" package -DskipTests
  [ -f "$dir/target/$jar" ]
  printf '%s' "$sum" > "$dir.stamp"
  log "$name: $dir/target/$jar"
}

start=$SECONDS
setup_debian
setup_vegeta
build_anchor stock-scg stock-scg.jar
build_anchor raw-reactor-netty raw-proxy.jar
log "done in $((SECONDS - start))s; ISTHMUS_BENCH_HOME=$BENCH_HOME"
