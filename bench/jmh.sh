#!/usr/bin/env bash
# Microbenchmarks (JMH) from the test sources: bench/jmh.sh [JMH options], e.g.
#   bench/jmh.sh RouteLookupBenchmark -p routes=1,10000
# Compiles the tests (the JMH annotation processor runs there) and runs org.openjdk.jmh.Main.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "$@"
