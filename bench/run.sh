#!/usr/bin/env bash
# The benchmark suite: Isthmus against the anchors of bench/anchors (stock Spring Cloud Gateway, nginx,
# a raw Reactor Netty proxy as the transport ceiling), same run, same upstream.
# Writes docs/benchmarks.md. Takes about 15 minutes on 2 cores.
#
#   bench/run.sh                 # everything
#   bench/run.sh --only 1,4      # some scenarios (1-8, jmh; 7: tracing off / on; 8: a JWT route)
#   bench/run.sh --smoke --out /tmp/b.md   # seconds-long runs (what BenchmarkSuiteIT does in CI)
#
# BENCH_WAIT_QUIET_MINUTES=40 waits (up to that long) for the 1-minute load average to drop below
# BENCH_QUIET_LOAD (default 1.5) before measuring; the load seen is written into the report.
set -euo pipefail
cd "$(dirname "$0")/.."

bench/setup.sh
scripts/provision-test-infra.sh consul k8s   # scenario 5's real Consul agent and kube-apiserver
./mvnw -B -q -ntp package -DskipTests
./mvnw -B -q -ntp dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null

wait_minutes=${BENCH_WAIT_QUIET_MINUTES:-0}
quiet=${BENCH_QUIET_LOAD:-1.5}
deadline=$((SECONDS + wait_minutes * 60))
while :; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load" -v q="$quiet" 'BEGIN { exit !(l < q) }'; then echo "[bench] load average $load: quiet" >&2; break; fi
  if [ $SECONDS -ge $deadline ]; then echo "[bench] load average $load (not below $quiet): measuring anyway" >&2; break; fi
  echo "[bench] load average $load, waiting for < $quiet" >&2; sleep 30
done

exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  -Disthmus.jar=target/isthmus.jar -Disthmus.infra.home="${ISTHMUS_INFRA_HOME:-$HOME/.cache/isthmus-infra}" \
  dev.isthmus.bench.BenchmarkSuite "$@"
