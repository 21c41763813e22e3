package dev.isthmus.platform.consul;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;

import reactor.core.publisher.Mono;

import org.springframework.web.util.UriUtils;

import dev.isthmus.platform.DaemonThreads;

/**
 * The Consul HTTP API over the JDK's asynchronous {@link HttpClient}. Every watched service holds
 * one long-poll request open for up to {@code isthmus.consul.wait}; with a blocking client (Spring
 * Cloud Consul's {@code ConsulClient} is a {@code RestClient} interface) each would pin a platform
 * thread for minutes. Here all pending queries share the client's one selector thread, and two
 * small callback threads hand answers to the watch's scheduler. Chosen over Reactor Netty (which the
 * gateway uses to proxy) because it shares no resources with the request path, and because Reactor
 * Netty logs every connection-level failure (agent killed, TLS refused) as a WARN with a stack trace
 * per attempt, where the watch logs one line per outage. What it lacks: TCP keep-alive settings,
 * so an agent that vanishes silently (no reset) is noticed when the query's timeout expires
 * (wait + wait/16 + 10 s); a shorter {@code isthmus.consul.wait} notices sooner.
 *
 * <p>Non-200 answers become a classified {@link ConsulFailure}: Spring Cloud Consul's client
 * ignores 4xx statuses, so an ACL denial would read as an empty catalog. The token travels in the
 * {@code X-Consul-Token} header and never appears in logs, messages or {@link #toString()}.
 */
public final class ConsulHttpClient implements AutoCloseable {

    static final String TOKEN_HEADER = "X-Consul-Token";
    /** Consul adds up to wait/16 of jitter to a blocking query; the timeout allows that and a margin. */
    private static final Duration TIMEOUT_MARGIN = Duration.ofSeconds(10);
    /** A plain read answers in milliseconds; one held longer (an agent starting, without leader) is asked again. */
    private static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** An answer: status, headers and body. */
    public record Response(int status, HttpHeaders headers, byte[] body) {

        /** {@code X-Consul-Index}, or 0 when absent or unreadable. */
        public long index() {
            String value = headers.firstValue("X-Consul-Index").orElse(null);
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
            return "true".equalsIgnoreCase(headers.firstValue("X-Consul-Results-Filtered-By-ACLs").orElse(null));
        }

        /** {@code X-Consul-Default-ACL-Policy}: {@code allow}, {@code deny}, or null without ACLs. */
        public String defaultAclPolicy() {
            return headers.firstValue("X-Consul-Default-ACL-Policy").map(v -> v.toLowerCase(Locale.ROOT)).orElse(null);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String baseUrl;
    private final String token;
    private final Duration wait;
    private final Duration blockingTimeout;
    private final ExecutorService callbacks;
    private final HttpClient client;
    private final boolean clientCertificate;

    /**
     * @param baseUrl {@code scheme://host:port[/path]}, as Spring Cloud Consul builds it
     * @param token ACL token, or null for the anonymous token
     * @param tls the TLS context for https, or null for the JVM's default
     * @param clientCertificate whether {@code tls} presents a client certificate (for error messages)
     */
    public ConsulHttpClient(String baseUrl, String token, SSLContext tls, boolean clientCertificate, Duration wait) {
        this.clientCertificate = clientCertificate;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token == null || token.isBlank() ? null : token;
        this.wait = wait;
        this.blockingTimeout = wait.plus(wait.dividedBy(16)).plus(TIMEOUT_MARGIN);
        this.callbacks = Executors.newFixedThreadPool(2, DaemonThreads.named("isthmus-consul-http"));
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).executor(callbacks);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.build();
    }

    /**
     * A blocking query: waits up to the configured wait for {@code X-Consul-Index} to pass {@code index}.
     * Index 0 answers at once, so it gets the short timeout of a plain read: an agent that holds it
     * (say, while it has no leader) is asked again rather than waited on for minutes.
     *
     * @param what names the query in failure messages, e.g. {@code catalog of dc1}
     */
    public Mono<Response> blockingGet(String path, Map<String, String> params, long index, String what) {
        StringJoiner query = query(params);
        if (index == 0) {
            return send(path + (query.length() == 0 ? "" : "?" + query), PLAIN_TIMEOUT, what);
        }
        query.add("index=" + Long.toUnsignedString(index));
        query.add("wait=" + Math.max(1, wait.toSeconds()) + "s");
        return send(path + "?" + query, blockingTimeout, what);
    }

    /** A plain read that answers at once. */
    public Mono<Response> get(String path, Map<String, String> params, String what) {
        StringJoiner query = query(params);
        return send(path + (query.length() == 0 ? "" : "?" + query), PLAIN_TIMEOUT, what);
    }

    /**
     * A plain read where a missing object is an answer, not a failure: a 404 comes back as a
     * {@link Response} with status 404 (a KV key or prefix that does not exist).
     */
    public Mono<Response> getOrNotFound(String path, Map<String, String> params, String what) {
        StringJoiner query = query(params);
        return send("GET", path + (query.length() == 0 ? "" : "?" + query), null, PLAIN_TIMEOUT, what, true);
    }

    /** A write ({@code PUT}, e.g. {@code /v1/kv/<key>}), answered at once. */
    public Mono<Response> put(String path, byte[] body, String what) {
        return send("PUT", path, body, PLAIN_TIMEOUT, what, false);
    }

    /** A {@code DELETE} (e.g. {@code /v1/kv/<key>}: Consul answers 200 whether or not the key existed). */
    public Mono<Response> delete(String path, String what) {
        return send("DELETE", path, null, PLAIN_TIMEOUT, what, false);
    }

    private static StringJoiner query(Map<String, String> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((k, v) -> query.add(k + "=" + UriUtils.encodeQueryParam(v, StandardCharsets.UTF_8)));
        return query;
    }

    private Mono<Response> send(String pathAndQuery, Duration timeout, String what) {
        return send("GET", pathAndQuery, null, timeout, what, false);
    }

    private Mono<Response> send(String method, String pathAndQuery, byte[] body, Duration timeout, String what, boolean notFoundAnswers) {
        return Mono.defer(() -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(timeout)
                    .header("Accept", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if (token != null) {
                request.header(TOKEN_HEADER, token);
            }
            return Mono.<HttpResponse<byte[]>>create(sink -> {
                CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                AtomicBoolean cancelled = new AtomicBoolean();
                // cancelling (the watch stops) cancels the request and releases its connection; the
                // resulting "Request cancelled" is expected, not an error to report
                sink.onCancel(() -> {
                    cancelled.set(true);
                    pending.cancel(true);
                });
                pending.whenComplete((r, e) -> {
                    if (cancelled.get()) {
                        return;
                    }
                    if (e == null) {
                        sink.success(r);
                    }
                    else {
                        sink.error(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
                    }
                });
            });
        })
                .onErrorMap(e -> ConsulFailure.ofError(e, what, clientCertificate))
                .flatMap(r -> r.statusCode() == 200 || notFoundAnswers && r.statusCode() == 404
                        ? Mono.just(new Response(r.statusCode(), r.headers(), r.body()))
                        : Mono.error(ConsulFailure.ofStatus(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), what)));
    }

    /** {@code /v1/health/service/<name>}, with the name encoded as a path segment. */
    static String healthPath(String service) {
        return "/v1/health/service/" + UriUtils.encodePathSegment(service, StandardCharsets.UTF_8);
    }

    public boolean hasToken() {
        return token != null;
    }

    public Duration waitTime() {
        return wait;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Stops the callback threads; pending queries have been cancelled by the watch. */
    @Override
    public void close() {
        callbacks.shutdownNow();
        try {
            callbacks.awaitTermination(2, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Consul " + baseUrl + (token != null ? " (with ACL token)" : " (anonymous)");
    }
}
