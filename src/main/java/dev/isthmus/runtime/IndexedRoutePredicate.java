package dev.isthmus.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.PathMatcher;
import dev.isthmus.compile.RequestMatch;
import dev.isthmus.compile.ValuePredicate;

/**
 * A route's predicate as Spring Cloud Gateway sees it: always true, because the route was already
 * chosen by the index lookup ({@link IndexedRouteHandlerMapping}) on exactly this match, which its
 * {@link #toString()} spells out for {@code /actuator/gateway}.
 */
final class IndexedRoutePredicate implements AsyncPredicate<ServerWebExchange> {

    private static final Mono<Boolean> TRUE = Mono.just(true);

    private final String description;

    IndexedRoutePredicate(RequestMatch match) {
        this.description = describe(match);
    }

    @Override
    public Publisher<Boolean> apply(ServerWebExchange exchange) {
        return TRUE;
    }

    /** {@code Match[hosts=[api.example.com], path=prefix /quote, methods=[GET], headers=[x-canary = true]]}. */
    static String describe(RequestMatch m) {
        List<String> parts = new ArrayList<>();
        parts.add("hosts=" + (m.hosts().isEmpty() ? "*" : m.hosts()));
        parts.add("path=" + path(m.path()));
        if (!m.methods().isEmpty()) {
            parts.add("methods=" + m.methods());
        }
        if (!m.headers().isEmpty()) {
            parts.add("headers=" + values(m.headers(), ValuePredicate::name));
        }
        if (!m.queryParams().isEmpty()) {
            parts.add("queryParams=" + values(m.queryParams(), ValuePredicate::name));
        }
        return "Match[" + String.join(", ", parts) + "]";
    }

    private static String path(PathMatcher p) {
        if (p instanceof PathMatcher.Prefix prefix) {
            return "prefix " + prefix.prefix();
        }
        if (p instanceof PathMatcher.Exact exact) {
            return "exact " + exact.path();
        }
        return "regex " + ((PathMatcher.RegexPath) p).regex().source();
    }

    private static List<String> values(List<ValuePredicate> predicates, Function<ValuePredicate, String> name) {
        return predicates.stream().map(v -> name.apply(v) + switchKind(v)).toList();
    }

    private static String switchKind(ValuePredicate v) {
        return switch (v.kind()) {
            case EXACT -> " = " + v.value();
            case REGEX -> " ~ " + v.regex().source();
            case PRESENT -> " present";
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
