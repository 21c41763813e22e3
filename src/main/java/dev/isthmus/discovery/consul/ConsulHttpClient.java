package dev.isthmus.discovery.consul;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.web.util.UriUtils;

/**
 * The Consul HTTP API over Reactor Netty, non-blocking. Every watched service holds one long-poll
 * request open for up to {@code isthmus.consul.wait}; with a blocking client (Spring Cloud Consul's
 * {@code ConsulClient} is a {@code RestClient} interface) each would pin a platform thread for
 * minutes. Here a pending query costs one pooled connection and no thread: all of them share one
 * event-loop thread of their own (so proxy traffic never delays them, nor they it), and answers are
 * handed to the watch's single scheduler thread.
 *
 * <p>Non-200 answers become a classified {@link ConsulFailure}: Spring Cloud Consul's client
 * ignores 4xx statuses, so an ACL denial would read as an empty catalog. The token travels in the
 * {@code X-Consul-Token} header and never appears in logs, messages or {@link #toString()}.
 */
public final class ConsulHttpClient implements AutoCloseable {

    static final String TOKEN_HEADER = "X-Consul-Token";
    /** Consul adds up to wait/16 of jitter to a blocking query; the timeout allows that and a margin. */
    private static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(10);
    private static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] EMPTY = new byte[0];

    /** An answer: status, headers and body. */
    public record Response(int status, HttpHeaders headers, byte[] body) {

        /** {@code X-Consul-Index}, or 0 when absent or unreadable. */
        public long index() {
            String value = headers.get("X-Consul-Index");
            if (value == null) {
                return 0;
            }
            try {
                return Long.parseUnsignedLong(value.trim());
            }
            catch (NumberFormatException e) {
                return 0;
            }
        }

        /** Consul left out results the token may not read ({@code X-Consul-Results-Filtered-By-ACLs}). */
        public boolean filteredByAcls() {
            return "true".equalsIgnoreCase(headers.get("X-Consul-Results-Filtered-By-ACLs"));
        }

        /** {@code X-Consul-Default-ACL-Policy}: {@code allow}, {@code deny}, or null without ACLs. */
        public String defaultAclPolicy() {
            String value = headers.get("X-Consul-Default-ACL-Policy");
            return value == null ? null : value.toLowerCase(Locale.ROOT);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String baseUrl;
    private final boolean hasToken;
    private final Duration wait;
    private final ConnectionProvider connections;
    private final LoopResources loops;
    private final HttpClient blocking;
    private final HttpClient plain;

    /**
     * @param baseUrl {@code scheme://host:port[/path]}, as Spring Cloud Consul builds it
     * @param token ACL token, or null for the anonymous token
     * @param tls the TLS context for https, or null
     * @param maxConnections most connections to the agent: one per watched service plus the catalog
     */
    public ConsulHttpClient(String baseUrl, String token, Http11SslContextSpec tls, Duration wait, int maxConnections) {
        this.baseUrl = baseUrl;
        this.hasToken = token != null && !token.isBlank();
        this.wait = wait;
        this.connections = ConnectionProvider.builder("isthmus-consul")
                .maxConnections(maxConnections)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(60))
                .build();
        this.loops = LoopResources.create("isthmus-consul-io", 1, true);
        HttpClient client = HttpClient.create(connections)
                .runOn(loops, false) // NIO: the keep-alive options below are the JDK's
                .baseUrl(baseUrl)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .headers(h -> {
                    h.set("Accept", "application/json");
                    if (hasToken) {
                        h.set(TOKEN_HEADER, token);
                    }
                });
        client = keepAlive(client);
        if (tls != null) {
            client = client.secure(spec -> spec.sslContext((reactor.netty.tcp.SslProvider.GenericSslContextSpec<?>) tls));
        }
        this.blocking = client.responseTimeout(wait.plus(wait.dividedBy(16)).plus(TIMEOUT_MARGIN));
        this.plain = client.responseTimeout(PLAIN_TIMEOUT);
    }

    /**
     * A long poll waits silently for minutes; without TCP keep-alive a vanished agent (host down,
     * network partition: no RST) would only be noticed when the response timeout fires. Probes after
     * 30 s of silence notice it within about a minute.
     */
    private static HttpClient keepAlive(HttpClient client) {
        return client.option(ChannelOption.SO_KEEPALIVE, true)
                .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), 30)
                .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), 10)
                .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), 3);
    }

    /**
     * A blocking query: waits up to the configured wait for {@code X-Consul-Index} to pass {@code index}
     * (0 answers at once, so it gets the short timeout of a plain read: an agent that holds it, say
     * while it has no leader, is asked again rather than waited on for minutes).
     *
     * @param what names the query in failure messages, e.g. {@code catalog of dc1}
     */
    public Mono<Response> blockingGet(String path, Map<String, String> params, long index, String what) {
        StringJoiner query = query(params);
        if (index == 0) {
            return send(plain, path + (query.length() == 0 ? "" : "?" + query), what);
        }
        query.add("index=" + Long.toUnsignedString(index));
        query.add("wait=" + Math.max(1, wait.toSeconds()) + "s");
        return send(blocking, path + "?" + query, what);
    }

    /** A plain read that answers at once. */
    public Mono<Response> get(String path, Map<String, String> params, String what) {
        StringJoiner query = query(params);
        return send(plain, path + (query.length() == 0 ? "" : "?" + query), what);
    }

    private static StringJoiner query(Map<String, String> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((k, v) -> query.add(k + "=" + UriUtils.encodeQueryParam(v, StandardCharsets.UTF_8)));
        query.setEmptyValue("");
        return query;
    }

    private Mono<Response> send(HttpClient client, String uri, String what) {
        return client.get().uri(uri)
                .responseSingle((response, body) -> body.asByteArray().defaultIfEmpty(EMPTY)
                        .map(bytes -> new Response(response.status().code(), response.responseHeaders(), bytes)))
                .onErrorMap(e -> ConsulFailure.ofError(e, what))
                .flatMap(r -> r.status() == 200 ? Mono.just(r) : Mono.error(ConsulFailure.ofStatus(r.status(), r.text(), what)));
    }

    /** {@code /v1/health/service/<name>}, with the name encoded as a path segment. */
    static String healthPath(String service) {
        return "/v1/health/service/" + UriUtils.encodePathSegment(service, StandardCharsets.UTF_8);
    }

    public boolean hasToken() {
        return hasToken;
    }

    public Duration waitTime() {
        return wait;
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public void close() {
        connections.disposeLater().block(Duration.ofSeconds(5));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
    }

    @Override
    public String toString() {
        return "Consul " + baseUrl + (hasToken ? " (with ACL token)" : " (anonymous)");
    }
}
