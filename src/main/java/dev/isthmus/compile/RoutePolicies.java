package dev.isthmus.compile;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import dev.isthmus.spec.HttpMethod;
import dev.isthmus.spec.LoadBalancerPolicy;
import dev.isthmus.spec.RateLimitScope;
import dev.isthmus.spec.RetryOn;

/** The validated, typed policies of a compiled route: what the runtime turns into filters. */
public final class RoutePolicies {

    private RoutePolicies() {
    }

    /** One backend with its relative weight (0 = out of rotation). */
    public record WeightedBackend(BackendTarget target, int weight) {
    }

    /** Path rewrites. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({ @JsonSubTypes.Type(value = PathRewrite.ReplacePrefix.class, name = "prefix"),
            @JsonSubTypes.Type(value = PathRewrite.ReplaceRegex.class, name = "regex"),
            @JsonSubTypes.Type(value = PathRewrite.ReplacePath.class, name = "path") })
    public sealed interface PathRewrite {
        /** @param matchedPrefix the route's normalized prefix; {@code replacement} takes its place */
        record ReplacePrefix(String matchedPrefix, String replacement) implements PathRewrite {
        }

        record ReplaceRegex(Regex pattern, String replacement) implements PathRewrite {
        }

        record ReplacePath(String path) implements PathRewrite {
        }
    }

    /** The Host header sent upstream. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HostHeader(Mode mode, String value) {
        public enum Mode {
            /** The client's Host header, as Envoy and Emissary do by default. */
            PRESERVE,
            /** A fixed value ({@code hostRewrite}). */
            REWRITE,
            /** The chosen instance's host:port ({@code autoHostRewrite}). */
            AUTO
        }

        public static final HostHeader PRESERVE = new HostHeader(Mode.PRESERVE, null);
    }

    /** Header edits: remove, then set, then add. Names are as written; HTTP compares them case-insensitively. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record HeaderEdits(List<String> remove, Map<String, String> set, Map<String, String> add) {
        public static final HeaderEdits NONE = new HeaderEdits(List.of(), Map.of(), Map.of());

        /** What the admin endpoints show: header values carry upstream credentials, so only names. */
        public static final String REDACTED = "******";

        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isEmpty() {
            return remove.isEmpty() && set.isEmpty() && add.isEmpty();
        }

        /** The same edits with every value replaced by {@link #REDACTED}. */
        public HeaderEdits redacted() {
            if (set.isEmpty() && add.isEmpty()) {
                return this;
            }
            Map<String, String> s = new java.util.LinkedHashMap<>();
            set.keySet().forEach(k -> s.put(k, REDACTED));
            Map<String, String> a = new java.util.LinkedHashMap<>();
            add.keySet().forEach(k -> a.put(k, REDACTED));
            return new HeaderEdits(remove, java.util.Collections.unmodifiableMap(s), java.util.Collections.unmodifiableMap(a));
        }
    }

    /** A redirect answer; null parts keep the request's own. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RedirectAction(String scheme, String host, Integer port, String path, String replacePrefix,
            String matchedPrefix, int code) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timeouts(Duration connect, Duration response, Duration idle) {
        public static final Timeouts NONE = new Timeouts(null, null, null);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RetryPolicy(int attempts, Set<RetryOn> on, Duration perTryTimeout, Duration backoff, Set<HttpMethod> methods) {
    }

    public record CircuitBreakerPolicy(int failureRateThreshold, Duration slowCallDurationThreshold, int slowCallRateThreshold,
            int minimumCalls, Duration openDuration, int halfOpenCalls) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LoadBalancing(LoadBalancerPolicy policy, HashKey hashOn) {
        public static final LoadBalancing ROUND_ROBIN = new LoadBalancing(LoadBalancerPolicy.ROUND_ROBIN, null);
    }

    /** The key of consistent hashing. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({ @JsonSubTypes.Type(value = HashKey.Header.class, name = "header"),
            @JsonSubTypes.Type(value = HashKey.Cookie.class, name = "cookie"),
            @JsonSubTypes.Type(value = HashKey.SourceIp.class, name = "sourceIp") })
    public sealed interface HashKey {
        record Header(String name) implements HashKey {
        }

        @JsonInclude(JsonInclude.Include.NON_NULL)
        record Cookie(String name, Duration ttl, String path) implements HashKey {
        }

        record SourceIp() implements HashKey {
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RateLimitPolicy(int requestsPerSecond, int burst, String header, RateLimitScope scope) {
        /** Keyed by the client IP when {@code header} is null. */
        public boolean byClientIp() {
            return header == null;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record CorsPolicy(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
            List<String> exposeHeaders, boolean allowCredentials, Duration maxAge) {
    }

    public record MirrorPolicy(BackendTarget target, int percent) {
    }
}
