package dev.isthmus.runtime.auth;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import dev.isthmus.compile.policy.ForwardAuthPolicy;
import dev.isthmus.spec.ForwardAuth;

/**
 * {@code auth.forward} on the request path: a GET to the authorization service over the gateway's
 * own Reactor Netty client (its connection pool: a busy route keeps a few warm connections to the
 * service, not one per request), with the configured request headers and
 * {@code X-Forwarded-Method}, {@code -Proto}, {@code -Host}, {@code -Uri} and {@code -For} (the
 * trusted client address). A 2xx admits the request and copies {@code responseHeadersToUpstream}
 * onto it; another answer below 500 goes to the client (status, the listed headers, at most
 * {@code maxBodyBytes} of body); no answer within the timeout, a refused connection or a 5xx is a
 * failure, answered by {@code failureMode}. With {@code cacheTtl}, answers (never failures) are
 * cached per credential, the digest of the request headers sent ({@link ForwardAuthCache}).
 */
public final class ForwardAuthClient implements RequestGuard {

    private static final Logger log = LoggerFactory.getLogger(ForwardAuthClient.class);

    /** The service answered 5xx. */
    private static final class ServiceError extends RuntimeException {
        ServiceError(int status) {
            super("answered " + status, null, false, false);
        }
    }

    private final ForwardAuthPolicy policy;
    private final HttpClient client;
    private final ForwardAuthCache cache;
    private final int cacheRoute;
    private final int maxBodyBytes;
    private final Set<String> removed;
    private volatile boolean failing;

    public ForwardAuthClient(ForwardAuthPolicy policy, HttpClient client, ForwardAuthCache cache, int maxBodyBytes) {
        this.policy = policy;
        this.client = client.responseTimeout(policy.timeout());
        this.cache = cache;
        this.cacheRoute = policy.cacheTtl() == null ? 0 : cache.newRoute();
        this.maxBodyBytes = maxBodyBytes;
        this.removed = Set.copyOf(policy.responseHeadersToUpstream());
    }

    @Override
    public Mono<AuthDecision> check(AuthRequest request) {
        CredentialDigest.Key credential = null;
        if (policy.cacheTtl() != null) {
            List<String> parts = new ArrayList<>();
            for (String name : policy.requestHeaders()) {
                parts.add(name);
                parts.add(String.join("\n", request.headers(name)));
            }
            credential = CredentialDigest.of(parts.toArray(String[]::new));
            AuthDecision cached = cache.get(cacheRoute, credential);
            if (cached != null) {
                return Mono.just(cached);
            }
        }
        CredentialDigest.Key key = credential;
        return ask(request).doOnNext(decision -> {
            if (failing) {
                failing = false;
                log.info("auth.forward {}: answering again", policy.url());
            }
            if (key != null) {
                cache.put(cacheRoute, key, decision, policy.cacheTtl());
            }
        }).onErrorResume(this::failed);
    }

    private Mono<AuthDecision> ask(AuthRequest request) {
        InetSocketAddress clientAddress = request.client();
        return client.headers(h -> {
            for (String name : policy.requestHeaders()) {
                List<String> values = request.headers(name);
                if (!values.isEmpty()) {
                    h.set(name, values);
                }
            }
            h.set("X-Forwarded-Method", request.method());
            h.set("X-Forwarded-Proto", request.scheme());
            if (request.host() != null) {
                h.set("X-Forwarded-Host", request.host());
            }
            h.set("X-Forwarded-Uri", request.uri());
            if (clientAddress != null && clientAddress.getAddress() != null) {
                h.set("X-Forwarded-For", clientAddress.getAddress().getHostAddress());
            }
        }).get().uri(policy.url()).response((response, body) -> {
            int status = response.status().code();
            if (status >= 200 && status < 300) {
                Map<String, String> set = new LinkedHashMap<>();
                for (String name : policy.responseHeadersToUpstream()) {
                    List<String> values = response.responseHeaders().getAll(name);
                    if (!values.isEmpty()) {
                        set.put(name, String.join(", ", values));
                    }
                }
                return body.then(Mono.just((AuthDecision) new AuthDecision.Allow(removed, set)));
            }
            if (status >= 500) {
                return body.then(Mono.error(new ServiceError(status)));
            }
            HttpHeaders headers = response.responseHeaders();
            return BoundedBody.head(body, maxBodyBytes).map(bytes -> deny(status, headers, bytes));
        }).singleOrEmpty().timeout(policy.timeout()).switchIfEmpty(Mono.error(new IllegalStateException("no answer")));
    }

    private AuthDecision deny(int status, HttpHeaders from, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : policy.responseHeadersToClient()) {
            List<String> values = from.getAll(name);
            if (!values.isEmpty()) {
                headers.put(name, List.copyOf(values));
            }
        }
        return new AuthDecision.Deny(status, headers, body);
    }

    private Mono<AuthDecision> failed(Throwable e) {
        String why = e instanceof TimeoutException ? "no answer within " + policy.timeout().toMillis() + " ms"
                : e instanceof ServiceError ? e.getMessage() : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        boolean allow = policy.failureMode() == ForwardAuth.FailureMode.ALLOW;
        if (!failing) {
            failing = true;
            log.warn("auth.forward {}: the authorization service failed ({}); {} until it answers again", policy.url(), why,
                    allow ? "letting requests through (failureMode allow)" : "answering " + policy.statusOnError() + " (failureMode deny)");
        }
        if (allow) {
            return Mono.just(new AuthDecision.Allow(removed, Map.of()));
        }
        return Mono.just(AuthDecision.Deny.plain(policy.statusOnError(), phrase(policy.statusOnError()),
                "the authorization service is unavailable", Map.of()));
    }

    private static String phrase(int status) {
        org.springframework.http.HttpStatus s = org.springframework.http.HttpStatus.resolve(status);
        return s == null ? "Error" : s.getReasonPhrase();
    }

    @Override
    public String toString() {
        return "forward " + policy.url() + " timeout " + policy.timeout().toMillis() + "ms failureMode "
                + policy.failureMode().name().toLowerCase(java.util.Locale.ROOT) + (policy.cacheTtl() == null ? "" : " cacheTtl " + policy.cacheTtl());
    }
}
