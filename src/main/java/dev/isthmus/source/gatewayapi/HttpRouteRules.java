package dev.isthmus.source.gatewayapi;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteTimeouts;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPURLRewriteFilter;

import dev.isthmus.compile.DurationParser;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.source.gatewayapi.BackendResolver.Resolved;
import dev.isthmus.spec.BackendRef;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HeaderOperations;
import dev.isthmus.spec.HttpMethod;
import dev.isthmus.spec.Mirror;
import dev.isthmus.spec.PathMatch;
import dev.isthmus.spec.Redirect;
import dev.isthmus.spec.Rewrite;
import dev.isthmus.spec.RouteMatch;
import dev.isthmus.spec.Timeouts;
import dev.isthmus.spec.ValueMatch;

import static dev.isthmus.source.gatewayapi.GatewayApiTranslator.nonNull;

/**
 * One HTTPRoute's rules as Isthmus routes: one route per match of each rule (a rule's matches
 * are alternatives with one action), id {@code httproute/<namespace>/<name>/rule-NN/match-NN}.
 * Every route of one HTTPRoute has the same precedence (0), its creation time and its
 * {@code namespace/name}, so the compiler's order between them and other routes is the Gateway
 * API's: exact path, longer prefix, method, more headers, more query parameters, the older route,
 * then {@code namespace/name}, then the rule's and match's index (the zero-padded id).
 * <p>
 * A rule that uses a feature Isthmus cannot serve is left out with the reason (the route is then
 * partly invalid, or not accepted when no rule is left). A backendRef that may not be used keeps
 * its share of the traffic and answers it with 500, as the Gateway API prescribes, and never
 * falls over to another backend or route.
 */
final class HttpRouteRules {

    /**
     * @param refsReason the first reason ResolvedRefs is False, null when every reference resolved
     * @param ruleProblems one message per rule left out
     */
    record Result(List<RouteSpec> specs, GatewayReason refsReason, List<String> refsMessages, List<String> ruleProblems) {
    }

    private final BackendResolver backends;

    HttpRouteRules(BackendResolver backends) {
        this.backends = backends;
    }

    /**
     * @param hosts the hostnames it serves on the listeners it attached to: empty for any host,
     *     null when it attached nowhere (references are still resolved, for its status)
     * @param listenerPort the port of the listener it attached to, for redirects that keep it
     */
    Result translate(HTTPRoute route, List<String> hosts, Integer listenerPort, Instant created) {
        String namespace = route.getMetadata().getNamespace();
        String name = route.getMetadata().getName();
        ObjectRef ref = new ObjectRef(SourceKind.HTTP_ROUTE, namespace, name);
        Provenance provenance = new Provenance(ref, GatewayApiTranslator.generation(route), created);
        List<RouteSpec> specs = new ArrayList<>();
        List<String> refsMessages = new ArrayList<>();
        GatewayReason[] refsReason = new GatewayReason[1];
        List<String> ruleProblems = new ArrayList<>();
        List<HTTPRouteRule> rules = nonNull(route.getSpec().getRules());
        for (int i = 0; i < rules.size(); i++) {
            HTTPRouteRule rule = rules.get(i);
            String ruleName = rule.getName() == null || rule.getName().isEmpty() ? "rule " + i : "rule " + i + " (" + rule.getName() + ")";
            Rule r = new Rule(namespace, listenerPort);
            r.filters(nonNull(rule.getFilters()));
            r.backends(nonNull(rule.getBackendRefs()));
            r.timeouts(rule.getTimeouts());
            for (Resolved bad : r.unresolved) {
                refsReason[0] = refsReason[0] == null ? bad.reason() : refsReason[0];
                refsMessages.add(bad.message());
            }
            if (!r.problems.isEmpty()) {
                ruleProblems.add(ruleName + ": " + String.join("; ", r.problems));
                continue;
            }
            List<HTTPRouteMatch> matches = rule.getMatches() == null || rule.getMatches().isEmpty() ? List.of(new HTTPRouteMatch())
                    : rule.getMatches();
            List<RouteSpec> ruleSpecs = new ArrayList<>();
            List<String> matchProblems = new ArrayList<>();
            for (int j = 0; j < matches.size(); j++) {
                String id = String.format(Locale.ROOT, "%s/%s/%s/rule-%02d/match-%02d", SourceKind.HTTP_ROUTE.label(), namespace, name, i, j);
                String specName = String.format(Locale.ROOT, "rule-%02d/match-%02d", i, j);
                try {
                    GatewayRouteSpec spec = r.spec(hosts == null ? List.of() : hosts, matches.get(j));
                    ruleSpecs.add(new RouteSpec(id, specName, provenance, spec));
                }
                catch (IllegalArgumentException e) {
                    matchProblems.add("match " + j + ": " + e.getMessage());
                }
            }
            if (!matchProblems.isEmpty()) {
                ruleProblems.add(ruleName + ": " + String.join("; ", matchProblems));
                continue;
            }
            if (hosts != null) {
                specs.addAll(ruleSpecs);
            }
        }
        return new Result(specs, refsReason[0], refsMessages, ruleProblems);
    }

    /** One rule being read: its action, shared by all its matches. */
    private final class Rule {
        final String namespace;
        final Integer listenerPort;
        final List<String> problems = new ArrayList<>();
        final List<Resolved> unresolved = new ArrayList<>();
        HeaderOperations requestHeaders;
        HeaderOperations responseHeaders;
        HTTPRequestRedirectFilter redirect;
        HTTPURLRewriteFilter rewrite;
        Mirror mirror;
        List<BackendRef> refs = new ArrayList<>();
        Timeouts timeouts;

        Rule(String namespace, Integer listenerPort) {
            this.namespace = namespace;
            this.listenerPort = listenerPort;
        }

        void filters(List<HTTPRouteFilter> filters) {
            for (HTTPRouteFilter f : filters) {
                String type = String.valueOf(f.getType());
                switch (type) {
                    case "RequestHeaderModifier" -> requestHeaders = headers(f.getRequestHeaderModifier());
                    case "ResponseHeaderModifier" -> responseHeaders = headers(f.getResponseHeaderModifier());
                    case "RequestRedirect" -> redirect = f.getRequestRedirect();
                    case "URLRewrite" -> rewrite = f.getUrlRewrite();
                    case "RequestMirror" -> {
                        if (mirror != null) {
                            problems.add("more than one RequestMirror filter is not supported (Isthmus mirrors to one backend)");
                        }
                        else {
                            mirror = mirror(f.getRequestMirror());
                        }
                    }
                    default -> problems.add("filter " + type + " is not supported");
                }
            }
        }

        private Mirror mirror(HTTPRequestMirrorFilter m) {
            BackendObjectReference b = m == null ? null : m.getBackendRef();
            if (b == null) {
                problems.add("RequestMirror needs a backendRef");
                return null;
            }
            int percent = 100;
            if (m.getPercent() != null) {
                percent = m.getPercent();
            }
            else if (m.getFraction() != null && m.getFraction().getNumerator() != null) {
                int denominator = m.getFraction().getDenominator() == null ? 100 : m.getFraction().getDenominator();
                int numerator = m.getFraction().getNumerator();
                if (denominator <= 0 || numerator * 100 % denominator != 0) {
                    problems.add("RequestMirror fraction " + numerator + "/" + denominator + " is not a whole percentage, which Isthmus mirrors in");
                    return null;
                }
                percent = numerator * 100 / denominator;
            }
            Resolved r = backends.resolve(namespace, b.getGroup(), b.getKind(), b.getNamespace(), b.getName(), b.getPort());
            if (!r.ok()) {
                unresolved.add(r);
                return null; // nothing is mirrored to a backend that may not be used
            }
            return new Mirror(r.service(), null, percent);
        }

        void backends(List<HTTPBackendRef> refs) {
            int total = 0;
            for (HTTPBackendRef b : refs) {
                if (b.getFilters() != null && !b.getFilters().isEmpty()) {
                    problems.add("filters on a backendRef are not supported (Isthmus applies filters per rule)");
                }
                int weight = b.getWeight() == null ? 1 : b.getWeight();
                total += weight;
                Resolved r = backends.resolve(namespace, b.getGroup(), b.getKind(), b.getNamespace(), b.getName(), b.getPort());
                if (r.ok()) {
                    this.refs.add(new BackendRef(r.service(), r.port(), weight, null));
                }
                else {
                    unresolved.add(r);
                    this.refs.add(new BackendRef(BackendResolver.unavailable(r), null, weight, null));
                }
            }
            if (!refs.isEmpty() && total == 0) {
                this.refs = new ArrayList<>(List.of(new BackendRef(dev.isthmus.compile.BackendTarget.Unavailable.PREFIX + "AllWeightsZero",
                        null, 1, null)));
            }
        }

        void timeouts(HTTPRouteTimeouts t) {
            if (t == null) {
                return;
            }
            Duration request = duration("timeouts.request", t.getRequest());
            Duration backend = duration("timeouts.backendRequest", t.getBackendRequest());
            // Isthmus has one deadline per request: without retries the backend request is the only
            // attempt, so the tighter of the two applies. 0s means no timeout.
            Duration deadline = request == null ? backend : backend == null ? request : request.compareTo(backend) <= 0 ? request : backend;
            if (deadline != null) {
                timeouts = new Timeouts(null, deadline.toMillis() + "ms", null);
            }
        }

        private Duration duration(String field, String text) {
            if (text == null || text.isEmpty()) {
                return null;
            }
            try {
                Duration d = DurationParser.parse(text);
                return d.isZero() ? null : d;
            }
            catch (IllegalArgumentException e) {
                problems.add(field + " '" + text + "': " + e.getMessage());
                return null;
            }
        }

        GatewayRouteSpec spec(List<String> hosts, HTTPRouteMatch match) {
            HTTPPathMatch p = match.getPath();
            String pathType = p == null || p.getType() == null ? "PathPrefix" : p.getType();
            String pathValue = p == null || p.getValue() == null ? "/" : p.getValue();
            PathMatch path = switch (pathType) {
                case "Exact" -> new PathMatch(null, pathValue, null);
                case "PathPrefix" -> new PathMatch(pathValue, null, null);
                case "RegularExpression" -> new PathMatch(null, null, pathValue);
                default -> throw new IllegalArgumentException("path type " + pathType + " is not supported");
            };
            List<ValueMatch> headers = new ArrayList<>();
            for (HTTPHeaderMatch h : nonNull(match.getHeaders())) {
                headers.add(value(h.getType(), h.getName(), h.getValue(), "header"));
            }
            List<ValueMatch> query = new ArrayList<>();
            for (HTTPQueryParamMatch q : nonNull(match.getQueryParams())) {
                query.add(value(q.getType(), q.getName(), q.getValue(), "query parameter"));
            }
            List<HttpMethod> methods = match.getMethod() == null ? null : List.of(method(match.getMethod()));
            RouteMatch routeMatch = new RouteMatch(path, methods, headers.isEmpty() ? null : headers, query.isEmpty() ? null : query);

            Redirect redirectSpec = redirect == null ? null : redirect(pathType);
            Rewrite rewriteSpec = rewrite == null || rewrite.getPath() == null ? null : rewrite(rewrite.getPath(), pathType);
            String hostRewrite = rewrite == null ? null : rewrite.getHostname();
            List<BackendRef> backendRefs = redirectSpec != null ? null
                    : refs.isEmpty() ? List.of(new BackendRef(dev.isthmus.compile.BackendTarget.Unavailable.PREFIX + "NoBackendRefs", null, 1, null))
                            : List.copyOf(refs);
            return new GatewayRouteSpec(null, hosts.isEmpty() ? null : hosts, routeMatch, null, backendRefs,
                    redirectSpec == null ? rewriteSpec : null, redirectSpec == null ? hostRewrite : null, null, redirectSpec,
                    requestHeaders, responseHeaders, redirectSpec == null ? timeouts : null, null, null, null, null, null,
                    redirectSpec == null ? mirror : null, null, null,
                    null, null, null, // auth, ipAllow, ipDeny: the Gateway API's HTTPRoute has no authentication (its policies are extensions)
                    null, null); // maxRequestBody, compression: no HTTPRoute field either; the gateway default limit applies
        }

        private Redirect redirect(String pathType) {
            String path = null;
            String prefix = null;
            if (redirect.getPath() != null) {
                HTTPPathModifier m = redirect.getPath();
                if ("ReplaceFullPath".equals(m.getType())) {
                    path = m.getReplaceFullPath();
                }
                else if ("ReplacePrefixMatch".equals(m.getType())) {
                    requirePrefix(pathType, "RequestRedirect");
                    prefix = m.getReplacePrefixMatch();
                }
                else {
                    throw new IllegalArgumentException("RequestRedirect path type " + m.getType() + " is not supported");
                }
            }
            Integer port = redirect.getPort();
            if (port == null && redirect.getScheme() == null) {
                // The Gateway API: without scheme and port, the redirect goes to the listener's port
                // (left out of Location when it is the scheme's well-known one).
                port = listenerPort;
            }
            int code = redirect.getStatusCode() == null ? 302 : redirect.getStatusCode();
            return new Redirect(redirect.getScheme(), redirect.getHostname(), port, path, prefix, code);
        }

        private Rewrite rewrite(HTTPPathModifier m, String pathType) {
            if ("ReplaceFullPath".equals(m.getType())) {
                return new Rewrite(null, null, m.getReplaceFullPath());
            }
            if ("ReplacePrefixMatch".equals(m.getType())) {
                requirePrefix(pathType, "URLRewrite");
                return new Rewrite(m.getReplacePrefixMatch(), null, null);
            }
            throw new IllegalArgumentException("URLRewrite path type " + m.getType() + " is not supported");
        }

        private void requirePrefix(String pathType, String filter) {
            if (!"PathPrefix".equals(pathType)) {
                throw new IllegalArgumentException(filter + " ReplacePrefixMatch needs a PathPrefix match, not " + pathType);
            }
        }
    }

    private static HeaderOperations headers(HTTPHeaderFilter f) {
        if (f == null) {
            return null;
        }
        Map<String, String> set = new LinkedHashMap<>();
        nonNull(f.getSet()).forEach((HTTPHeader h) -> set.put(h.getName(), h.getValue()));
        Map<String, String> add = new LinkedHashMap<>();
        nonNull(f.getAdd()).forEach((HTTPHeader h) -> add.put(h.getName(), h.getValue()));
        List<String> remove = nonNull(f.getRemove());
        return new HeaderOperations(set.isEmpty() ? null : set, add.isEmpty() ? null : add, remove.isEmpty() ? null : List.copyOf(remove));
    }

    private static ValueMatch value(String type, String name, String value, String what) {
        String t = type == null ? "Exact" : type;
        return switch (t) {
            case "Exact" -> new ValueMatch(name, value, null, null);
            case "RegularExpression" -> new ValueMatch(name, null, value, null);
            default -> throw new IllegalArgumentException(what + " match type " + t + " is not supported");
        };
    }

    private static HttpMethod method(String method) {
        try {
            return HttpMethod.valueOf(method);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("method " + method + " is not supported");
        }
    }
}
