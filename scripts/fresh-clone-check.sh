#!/usr/bin/env bash
# The README's test command from a fresh copy of the repository, as a cloner has it: HEAD
# extracted with git archive into an empty temporary directory, so nothing outside the
# repository (no sibling folders, no work-tree leftovers) is there to lean on. In the copy it
# runs the test command's set-up (scripts/provision-test-infra.sh, bench/setup.sh; both reuse
# the caches under ~/.cache, so a warm run takes seconds) and then starts the build: compile,
# generate the CRD, run one unit test against it and package the jar. Bounded: it fails after
# FRESH_CLONE_TIMEOUT seconds (default 900). .ci/run runs it before the suite.
#
#   scripts/fresh-clone-check.sh        # prints the time each step took
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "[fresh-clone] needs a git checkout (it copies HEAD)" >&2; exit 2; }

limit=${FRESH_CLONE_TIMEOUT:-900}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/isthmus-fresh-clone.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/isthmus
mkdir "$copy"
git archive --format=tar HEAD | tar -x -C "$copy"
# a cloner's directory has nothing next to the repository
[ "$(ls -A "$tmp")" = isthmus ] || { echo "[fresh-clone] $tmp is not empty besides the copy" >&2; exit 1; }

log() { printf '[fresh-clone %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
start=$SECONDS
step() {
  local name=$1; shift
  local t0=$SECONDS left=$((limit - (SECONDS - start)))
  [ $left -gt 0 ] || { log "out of time before: $name"; exit 124; }
  log "$name"
  if ! (cd "$copy" && timeout "$left" "$@"); then log "FAILED: $name (after $((SECONDS - t0))s)"; exit 1; fi
  log "$name: $((SECONDS - t0))s"
}

log "HEAD $(git rev-parse --short HEAD) extracted into $copy"
# nothing in the repository reads or names files outside it
if (cd "$copy" && grep -rnIE '\.\./shared|DESIGN\.md' .); then log "FAILED: the files above name something outside the repository"; exit 1; fi
step "scripts/provision-test-infra.sh" scripts/provision-test-infra.sh
step "bench/setup.sh" bench/setup.sh
# The build starts: the CRD is generated and post-processed, the chart's copy matches it, the jar is built.
step "./mvnw package (one unit test)" ./mvnw -B -ntp -q package -Dtest=GeneratedCrdTest,ChartCrdSyncTest -Dsurefire.failIfNoSpecifiedTests=false
[ -f "$copy/target/isthmus.jar" ] || { log "no target/isthmus.jar"; exit 1; }
log "passed in $((SECONDS - start))s (limit ${limit}s)"
