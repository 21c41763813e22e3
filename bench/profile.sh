#!/usr/bin/env bash
# Profiles a gateway's request path with JDK Flight Recorder under wrk load, and prints where the
# CPU samples fall: the hottest methods by self time, and the share of samples under chosen frames.
#
#   bench/profile.sh isthmus [seconds] [routes]    # target/isthmus.jar (or ISTHMUS_JAR), one route (default 20 s)
#   bench/profile.sh stock   [seconds] [routes]    # the stock Spring Cloud Gateway anchor
#   bench/profile.sh raw     [seconds]             # the raw Reactor Netty proxy (transport ceiling)
#
# Leaves the recording in bench/work/profile-<target>.jfr (open it in JDK Mission Control for a
# flame graph). Needs bench/setup.sh and ./mvnw package first.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-isthmus}; seconds=${2:-20}; routes=${3:-1}
BENCH_HOME=${ISTHMUS_BENCH_HOME:-$HOME/.cache/isthmus-bench}
ANCHORS=$PWD/bench/anchors
work=$PWD/bench/work/profile-$target; rm -rf "$work"; mkdir -p "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(free_port); px=$(free_port); gw=$(free_port); mg=$(free_port)

sed "s/UPSTREAM_PORT/$up/; s/PROXY_PORT/$px/; s#RUNDIR#$work#" "$ANCHORS/nginx-proxy.conf" > "$work/nginx.conf"
nginx -p "$work" -e "$work/error.log" -c "$work/nginx.conf" -g 'daemon off;' & nginx_pid=$!
jfr=$PWD/bench/work/profile-$target.jfr
if [ "$target" = isthmus ]; then
  { echo "routes:"; for i in $(seq 0 $((routes - 1))); do echo "  - {name: r$i, match: {path: {prefix: /svc-$i/}}, backends: [{url: \"http://127.0.0.1:$up\"}]}"; done; } > "$work/routes.yaml"
  java -XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=filename="$jfr",settings=profile -jar "${ISTHMUS_JAR:-target/isthmus.jar}" --server.port=$gw \
    --management.server.port=$mg --isthmus.file.path="$work/routes.yaml" > "$work/gateway.log" 2>&1 & gw_pid=$!
elif [ "$target" = raw ]; then
  java -XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=filename="$jfr",settings=profile -jar "$BENCH_HOME/raw-reactor-netty/target/raw-proxy.jar" \
    $gw "http://127.0.0.1:$up" > "$work/gateway.log" 2>&1 & gw_pid=$!
else
  python3 "$ANCHORS/stock-scg/gen-routes.py" "$routes" "http://127.0.0.1:$up" "$work/routes.yml"
  java -XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=filename="$jfr",settings=profile -jar "$BENCH_HOME/stock-scg/target/stock-scg.jar" \
    --server.port=$gw --spring.config.additional-location=file:"$work/routes.yml" > "$work/gateway.log" 2>&1 & gw_pid=$!
fi
trap 'kill $gw_pid $nginx_pid 2>/dev/null || true' EXIT
url=http://127.0.0.1:$gw/svc-$((routes - 1))/
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do sleep 0.2; kill -0 $gw_pid; done
wrk -t1 -c32 -d10s "$url" > /dev/null   # warm-up
jcmd $gw_pid JFR.stop > /dev/null; rm -f "$jfr"
jcmd $gw_pid JFR.start name=req settings=profile filename="$jfr" > /dev/null
wrk -t1 -c32 -d"${seconds}s" --latency "$url" | tee "$work/wrk.txt"
jcmd $gw_pid JFR.stop name=req > /dev/null
jfr print --events jdk.ExecutionSample --stack-depth 512 "$jfr" > "$work/samples.txt"
python3 - "$work/samples.txt" <<'PY'
import re, sys, collections
# only the event-loop threads (the request path), not JFR's own or the JIT's Java threads
stacks, cur, threads = [], None, collections.Counter()
for line in open(sys.argv[1]):
    if line.startswith('jdk.ExecutionSample'):
        cur = None
    elif 'sampledThread' in line:
        name = line.split('"')[1]
        threads[re.sub(r'-\d+$', '', name)] += 1
        if name.startswith('reactor-http'):
            cur = []; stacks.append(cur)
    elif cur is not None:
        m = re.match(r'\s+([\w$.<>/]+)\(', line)
        if m: cur.append(m.group(1))
print("Samples by thread:", ', '.join(f"{t} {k}" for t, k in threads.most_common(6)))
n = len(stacks) or 1
self_ = collections.Counter(s[0] for s in stacks if s)
print(f"\n{len(stacks)} event-loop samples. Hottest methods (self):")
for m, k in self_.most_common(25): print(f"  {100*k/n:5.1f}%  {m}")
total = collections.Counter()
for s in stacks:
    for m in set(s): total[m] += 1
print("\nShare of samples under (inclusive):")
for pat in ['reactor.netty.channel.FluxReceive', 'io.netty.channel.epoll', 'io.netty.channel.nio', 'sun.nio.ch',
            'org.springframework.boot.webflux.actuate', 'io.micrometer', 'ObservationRegistry', 'ServerHttpObservationFilter',
            'GatewayMetricsFilter', 'RoutePredicateHandlerMapping', 'IndexedRouteHandlerMapping', 'FilteringWebHandler',
            'NettyRoutingFilter', 'NettyWriteResponseFilter', 'RouteToRequestUrlFilter', 'ForwardPathFilter', 'ForwardRoutingFilter',
            'WebsocketRoutingFilter', 'WeightCalculatorWebFilter', 'XForwardedHeadersFilter', 'ForwardedHeadersFilter',
            'RemoveHopByHopHeadersFilter', 'BackendSelectionFilter', 'PathNormalizationWebFilter', 'RequestValidationWebFilter',
            'UriComponentsBuilder', 'java.net.URI.<init>', 'DefaultWebFilterChain', 'ExceptionHandlingWebHandler',
            'HttpWebHandlerAdapter', 'reactor.netty.resources.PooledConnectionProvider', 'reactor.netty.http.client',
            'ch.qos.logback', 'org.slf4j', 'java.util.regex']:
    k = sum(1 for s in stacks if any(pat in f for f in s))
    if k: print(f"  {100*k/n:5.1f}%  {pat}")
pk = collections.Counter()
for s in stacks:
    if s: pk['.'.join(s[0].split('.')[:3])] += 1
print("\nSelf time by package:")
for p, k in pk.most_common(15): print(f"  {100*k/n:5.1f}%  {p}")
PY
