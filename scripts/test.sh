#!/usr/bin/env bash
# The test command (README): provisions the real test servers (cached outside the work tree),
# and the benchmark suite's tools (bench/setup.sh: wrk, nginx, vegeta, the stock Spring Cloud Gateway
# anchor; BenchmarkSuiteIT runs the suite in smoke mode), then builds and runs every unit test
# (Surefire) and integration test (Failsafe).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dit.test=ConsulSourceIT
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/provision-test-infra.sh
bench/setup.sh
exec ./mvnw -B -ntp verify "$@"
