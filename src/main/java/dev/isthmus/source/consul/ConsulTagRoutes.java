package dev.isthmus.source.consul;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.isthmus.compile.DurationParser;
import dev.isthmus.compile.SizeParser;
import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.SourceKind;
import dev.isthmus.platform.consul.ConsulView;
import dev.isthmus.spec.Auth;
import dev.isthmus.spec.BackendRef;
import dev.isthmus.spec.BackendTls;
import dev.isthmus.spec.UpstreamProtocol;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.LoadBalancer;
import dev.isthmus.spec.LoadBalancerPolicy;
import dev.isthmus.spec.NamedPolicy;
import dev.isthmus.spec.PathMatch;
import dev.isthmus.spec.Retries;
import dev.isthmus.spec.Rewrite;
import dev.isthmus.spec.Sizes;
import dev.isthmus.spec.RouteMatch;
import dev.isthmus.spec.Timeouts;

/**
 * Reads a Consul service's {@code isthmus.*} tags into a route (docs/design.md §3.3). Pure: the same
 * tags always give the same result.
 *
 * <p>Tags are {@code isthmus.<key>=<value>}; keys: {@code enable}, {@code path}, {@code host}
 * (comma-separated list), {@code rewrite}, {@code precedence}, {@code timeout}, {@code retries},
 * {@code lb}, {@code max-request-body} (a size: {@code 1MB}), {@code compression} ({@code true|false}), {@code protocol} ({@code http1|h2c|h2}), {@code tls}
 * ({@code true|false}: TLS to the instances, verified with the gateway's isthmus.upstream.tls.* trust and
 * client certificate, never files or skipped verification, which are the operator's), {@code tls-server-name}, {@code auth} (the name of a policy the gateway operator defined: a tag can reference
 * authentication, never define it, since whoever registers a service could then weaken it). Without {@code path} the route serves {@code /<service>/} and rewrites it to {@code /}
 * (or to {@code rewrite}). The backend is {@code consul:<dc>/<service>}.
 *
 * <p>Instances of a service may carry different tags. The rule: every registered instance counts,
 * healthy or not (so a route does not change with health); a key's value comes from the instances
 * that set it, and instances that do not set it do not vote; two different values for one key, on
 * one instance or across instances, are a conflict. Any conflict, unknown key or bad value rejects
 * this service's route alone, with every reason at once, naming the instances involved.
 */
public final class ConsulTagRoutes {

    static final String PREFIX = "isthmus.";
    static final Set<String> KEYS = Set.of("enable", "path", "host", "rewrite", "precedence", "timeout", "retries", "lb", "auth",
            "max-request-body", "compression", "protocol", "tls", "tls-server-name");
    private static final java.util.regex.Pattern SERVER_NAME = java.util.regex.Pattern.compile(BackendTls.SERVER_NAME_PATTERN);
    private static final java.util.regex.Pattern POLICY_NAME = java.util.regex.Pattern.compile(NamedPolicy.NAME_PATTERN);

    /** What a service's tags declare. */
    public sealed interface Result permits Route, Rejected, NotExposed {
    }

    public record Route(GatewayRouteSpec spec) implements Result {
    }

    /** @param message every problem found, for the route's status and the log */
    public record Rejected(String message) implements Result {
    }

    /** Not opted in (no {@code isthmus.enable=true}, or {@code =false}). */
    public record NotExposed() implements Result {
    }

    private ConsulTagRoutes() {
    }

    public static String routeId(String datacenter, String service) {
        return SourceKind.CONSUL.label() + "/" + datacenter + "/" + service;
    }

    public static ObjectRef object(String datacenter, String service) {
        return new ObjectRef(SourceKind.CONSUL, datacenter, service);
    }

    /**
     * @param tagsByInstance every registered instance's tags, by instance id
     * @param exposeByDefault {@code isthmus.consul.expose-by-default}: routes without {@code isthmus.enable=true}
     */
    public static Result read(String datacenter, String service, Map<String, List<String>> tagsByInstance, boolean exposeByDefault) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = merge(tagsByInstance, problems);

        String enable = values.get("enable");
        boolean enabled;
        if (enable == null) {
            // An isthmus.enable tag without a usable value (malformed, or conflicting across
            // instances) shows the intent to be routed: report it rather than ignore the service.
            enabled = mentions(tagsByInstance, PREFIX + "enable") || exposeByDefault && !ConsulView.SERVERS_SERVICE.equals(service);
        }
        else if (enable.equalsIgnoreCase("true") || enable.equalsIgnoreCase("false")) {
            enabled = enable.equalsIgnoreCase("true");
        }
        else {
            problems.add("isthmus.enable=" + enable + ": expected true or false");
            enabled = true;
        }
        if (!enabled) {
            return new NotExposed();
        }

        String path = values.get("path");
        if (path != null && !path.startsWith("/")) {
            problems.add("isthmus.path=" + path + ": must start with /");
        }
        String rewrite = values.get("rewrite");
        if (rewrite != null && !rewrite.startsWith("/")) {
            problems.add("isthmus.rewrite=" + rewrite + ": must start with /");
        }
        List<String> hosts = null;
        if (values.containsKey("host")) {
            hosts = Arrays.stream(values.get("host").split(",")).map(String::trim).toList();
            if (hosts.stream().anyMatch(String::isEmpty)) {
                problems.add("isthmus.host=" + values.get("host") + ": expected host names separated by commas");
            }
        }
        Integer precedence = integer(values, "precedence", GatewayRouteSpec.MIN_PRECEDENCE, GatewayRouteSpec.MAX_PRECEDENCE, problems);
        Integer retries = integer(values, "retries", 0, Retries.MAX_ATTEMPTS, problems);
        String timeout = values.get("timeout");
        if (timeout != null) {
            try {
                DurationParser.parse(timeout);
            }
            catch (IllegalArgumentException e) {
                problems.add("isthmus.timeout=" + timeout + ": " + e.getMessage());
            }
        }
        LoadBalancer lb = null;
        String policy = values.get("lb");
        if (policy != null) {
            switch (policy.toLowerCase(Locale.ROOT)) {
                case "round-robin" -> lb = new LoadBalancer(LoadBalancerPolicy.ROUND_ROBIN, null);
                case "least-request" -> lb = new LoadBalancer(LoadBalancerPolicy.LEAST_REQUEST, null);
                case "random" -> lb = new LoadBalancer(LoadBalancerPolicy.RANDOM, null);
                case "consistent-hash" -> problems.add("isthmus.lb=consistent-hash: needs a hash key, which tags cannot give; "
                        + "declare this route in a routes file instead");
                default -> problems.add("isthmus.lb=" + policy + ": expected round-robin, least-request or random");
            }
        }
        String maxBody = values.get("max-request-body");
        if (maxBody != null) {
            try {
                if (SizeParser.parse(maxBody) > Sizes.MAX_REQUEST_BODY) {
                    problems.add("isthmus.max-request-body=" + maxBody + ": more than the maximum of " + Sizes.MAX_REQUEST_BODY_TEXT);
                }
            }
            catch (IllegalArgumentException e) {
                problems.add("isthmus.max-request-body=" + maxBody + ": " + e.getMessage());
            }
        }
        Boolean compression = null;
        String compress = values.get("compression");
        if (compress != null) {
            if (compress.equalsIgnoreCase("true") || compress.equalsIgnoreCase("false")) {
                compression = compress.equalsIgnoreCase("true");
            }
            else {
                problems.add("isthmus.compression=" + compress + ": expected true or false");
            }
        }
        UpstreamProtocol protocol = null;
        String proto = values.get("protocol");
        if (proto != null) {
            switch (proto.toLowerCase(Locale.ROOT)) {
                case "http1" -> protocol = UpstreamProtocol.HTTP1;
                case "h2c" -> protocol = UpstreamProtocol.H2C;
                case "h2" -> protocol = UpstreamProtocol.H2;
                default -> problems.add("isthmus.protocol=" + proto + ": expected http1, h2c or h2");
            }
        }
        Boolean tlsOn = null;
        String tlsTag = values.get("tls");
        if (tlsTag != null) {
            if (tlsTag.equalsIgnoreCase("true") || tlsTag.equalsIgnoreCase("false")) {
                tlsOn = tlsTag.equalsIgnoreCase("true");
            }
            else {
                problems.add("isthmus.tls=" + tlsTag + ": expected true or false");
            }
        }
        String serverName = values.get("tls-server-name");
        if (serverName != null && !SERVER_NAME.matcher(serverName).matches()) {
            problems.add("isthmus.tls-server-name=" + serverName + ": expected a DNS name");
        }
        if (serverName != null && !Boolean.TRUE.equals(tlsOn) && protocol != UpstreamProtocol.H2) {
            problems.add("isthmus.tls-server-name needs isthmus.tls=true or isthmus.protocol=h2");
        }
        if (protocol == UpstreamProtocol.H2C && Boolean.TRUE.equals(tlsOn)) {
            problems.add("isthmus.protocol=h2c is HTTP/2 in clear text: with isthmus.tls=true use isthmus.protocol=h2");
        }
        if (protocol == UpstreamProtocol.H2 && Boolean.FALSE.equals(tlsOn)) {
            problems.add("isthmus.protocol=h2 is HTTP/2 over TLS: it cannot go with isthmus.tls=false");
        }
        BackendTls tls = Boolean.TRUE.equals(tlsOn) || serverName != null && protocol == UpstreamProtocol.H2
                ? new BackendTls(null, null, serverName, null, null) : null;
        Auth auth = null;
        String authPolicy = values.get("auth");
        if (authPolicy != null) {
            if (POLICY_NAME.matcher(authPolicy).matches()) {
                auth = new Auth(authPolicy, null, null, null);
            }
            else {
                problems.add("isthmus.auth=" + authPolicy + ": expected the name of a policy (lower-case letters, digits, '-', '.')");
            }
        }
        if (!problems.isEmpty()) {
            return new Rejected("service " + service + " in " + datacenter + ": " + String.join("; ", problems));
        }

        PathMatch match;
        Rewrite pathRewrite = null;
        if (path == null) {
            match = new PathMatch("/" + service + "/", null, null);
            pathRewrite = new Rewrite(rewrite == null ? "/" : rewrite, null, null);
        }
        else {
            match = new PathMatch(path, null, null);
            if (rewrite != null) {
                pathRewrite = new Rewrite(rewrite, null, null);
            }
        }
        BackendRef backend = new BackendRef("consul:" + datacenter + "/" + service, null, null, null, protocol, tls);
        GatewayRouteSpec spec = new GatewayRouteSpec(null, hosts, new RouteMatch(match, null, null, null), precedence,
                List.of(backend), pathRewrite, null, null, null, null, null,
                timeout == null ? null : new Timeouts(null, timeout, null),
                retries == null ? null : new Retries(retries, null, null, null, null),
                null, lb, null, null, null, null, null, auth, null, null, maxBody, compression);
        return new Route(spec);
    }

    /**
     * The tags every registered instance carries: what the ownership policy may select the service
     * by ({@code consul-tag}); a tag only some instances carry proves nothing about the others.
     */
    public static Set<String> commonTags(Map<String, List<String>> tagsByInstance) {
        Set<String> common = null;
        for (List<String> tags : tagsByInstance.values()) {
            Set<String> these = new TreeSet<>(tags == null ? List.of() : tags);
            if (common == null) {
                common = these;
            }
            else {
                common.retainAll(these);
            }
        }
        return common == null ? Set.of() : common;
    }

    /** Key to value over every instance, adding a problem for each conflict, unknown key or malformed tag. */
    private static Map<String, String> merge(Map<String, List<String>> tagsByInstance, List<String> problems) {
        Map<String, Map<String, Set<String>>> seen = new TreeMap<>(); // key -> value -> instances
        for (Map.Entry<String, List<String>> e : new TreeMap<>(tagsByInstance).entrySet()) {
            for (String tag : e.getValue() == null ? List.<String>of() : e.getValue()) {
                if (!tag.startsWith(PREFIX)) {
                    continue;
                }
                int eq = tag.indexOf('=');
                String key = eq < 0 ? tag.substring(PREFIX.length()) : tag.substring(PREFIX.length(), eq);
                if (!KEYS.contains(key)) {
                    String unknown = "unknown tag " + PREFIX + key + " (known: " + String.join(", ", new TreeSet<>(KEYS)) + ")";
                    if (!problems.contains(unknown)) {
                        problems.add(unknown);
                    }
                    continue;
                }
                if (eq < 0) {
                    String malformed = "tag " + tag + " has no value: expected " + tag + "=<value>";
                    if (!problems.contains(malformed)) {
                        problems.add(malformed);
                    }
                    continue;
                }
                seen.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(tag.substring(eq + 1), v -> new TreeSet<>())
                        .add(e.getKey());
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        seen.forEach((key, byValue) -> {
            if (byValue.size() == 1) {
                values.put(key, byValue.keySet().iterator().next());
                return;
            }
            List<String> parts = new ArrayList<>();
            new TreeMap<>(byValue).forEach((value, instances) -> parts.add("'" + value + "' on " + String.join(", ", instances)));
            problems.add("conflicting values for " + PREFIX + key + ": " + String.join(" vs ", parts));
        });
        return values;
    }

    private static boolean mentions(Map<String, List<String>> tagsByInstance, String key) {
        return tagsByInstance.values().stream().filter(java.util.Objects::nonNull).flatMap(List::stream)
                .anyMatch(t -> t.equals(key) || t.startsWith(key + "="));
    }

    private static Integer integer(Map<String, String> values, String key, int min, int max, List<String> problems) {
        String text = values.get(key);
        if (text == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) {
                problems.add(PREFIX + key + "=" + text + ": must be between " + min + " and " + max);
                return null;
            }
            return n;
        }
        catch (NumberFormatException e) {
            problems.add(PREFIX + key + "=" + text + ": not a whole number");
            return null;
        }
    }
}
