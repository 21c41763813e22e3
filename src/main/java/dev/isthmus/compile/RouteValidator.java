package dev.isthmus.compile;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.isthmus.compile.InvalidRouteException.Problem;
import dev.isthmus.compile.RoutePolicies.CircuitBreakerPolicy;
import dev.isthmus.compile.RoutePolicies.CorsPolicy;
import dev.isthmus.compile.RoutePolicies.HashKey;
import dev.isthmus.compile.RoutePolicies.HeaderEdits;
import dev.isthmus.compile.RoutePolicies.HostHeader;
import dev.isthmus.compile.RoutePolicies.LoadBalancing;
import dev.isthmus.compile.RoutePolicies.MirrorPolicy;
import dev.isthmus.compile.RoutePolicies.PathRewrite;
import dev.isthmus.compile.RoutePolicies.RateLimitPolicy;
import dev.isthmus.compile.RoutePolicies.RedirectAction;
import dev.isthmus.compile.RoutePolicies.RetryPolicy;
import dev.isthmus.compile.RoutePolicies.Timeouts;
import dev.isthmus.compile.RoutePolicies.WeightedBackend;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceKind;
import dev.isthmus.spec.BackendRef;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HeaderOperations;
import dev.isthmus.spec.HttpMethod;
import dev.isthmus.spec.LoadBalancerPolicy;
import dev.isthmus.spec.PathMatch;
import dev.isthmus.spec.RateLimitScope;
import dev.isthmus.spec.RetryOn;
import dev.isthmus.spec.ValueMatch;

/**
 * Turns one authored route into a {@link CompiledRoute}, or explains every reason it cannot.
 * Everything the CRD schema checks is checked again here, because the file, ConfigMap and Consul
 * sources have no API server in front of them.
 */
final class RouteValidator {

    static final Set<HttpMethod> IDEMPOTENT = java.util.Collections.unmodifiableSet(EnumSet.of(HttpMethod.GET, HttpMethod.HEAD,
            HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE));
    static final Set<RetryOn> DEFAULT_RETRY_ON = java.util.Collections.unmodifiableSet(EnumSet.of(RetryOn.CONNECT_FAILURE,
            RetryOn.GATEWAY_ERROR));

    /** http(s)://host[:port], where the host may start with one '*.' label; authored text, so java.util.regex is fine here. */
    private static final Pattern CORS_ORIGIN = Pattern.compile("^https?://(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$");
    private static final Pattern TOKEN = Pattern.compile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$");
    private static final Pattern NAMESPACE = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern PORT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$");
    private static final Pattern GROUP_REF = Pattern.compile("\\$(\\d+|\\{([A-Za-z][A-Za-z0-9]*)})");
    /** Hop-by-hop and framing headers: the proxy owns them. */
    private static final Set<String> RESERVED_HEADERS = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding",
            "te", "trailer", "upgrade", "content-length", "host");
    private static final Duration MAX_CONNECT = Duration.ofMinutes(5);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final int MAX_HEADER_VALUE = 8192;
    private static final int MAX_BUCKET_FILL_SECONDS = 86_400;

    private final CompileSettings settings;

    RouteValidator(CompileSettings settings) {
        this.settings = settings;
    }

    CompiledRoute validate(RouteSpec route) throws InvalidRouteException {
        Context c = new Context();
        GatewayRouteSpec s = route.spec();
        String namespace = route.provenance().object().kind() == SourceKind.GATEWAY_ROUTE
                || route.provenance().object().kind() == SourceKind.CONFIG_MAP
                        ? route.provenance().object().namespace() : settings.defaultNamespace();

        List<HostPattern> hosts = hosts(c, s.hosts());
        PathMatcher path = s.match() == null ? null : path(c, s.match().path());
        if (s.match() == null) {
            c.fail("InvalidSpec", "match is required");
        }
        Set<HttpMethod> methods = s.match() == null || s.match().methods() == null ? Set.of()
                : enumSet(s.match().methods(), HttpMethod.class);
        List<ValuePredicate> headers = s.match() == null ? List.of() : values(c, "match.headers", s.match().headers(), true);
        List<ValuePredicate> query = s.match() == null ? List.of() : values(c, "match.queryParams", s.match().queryParams(), false);

        boolean hasBackends = s.backends() != null && !s.backends().isEmpty();
        if (hasBackends == (s.redirect() != null)) {
            c.fail("InvalidSpec", "exactly one of backends or redirect is required");
        }
        List<WeightedBackend> backends = hasBackends ? backends(c, s.backends(), namespace) : List.of();
        RedirectAction redirect = s.redirect() == null ? null : redirect(c, s, path);
        PathRewrite rewrite = s.rewrite() == null ? null : rewrite(c, s, path);
        if (redirect != null && (rewrite != null || s.hostRewrite() != null || Boolean.TRUE.equals(s.autoHostRewrite())
                || s.retries() != null || s.circuitBreaker() != null || s.mirror() != null || s.loadBalancer() != null
                || s.forwardedHeaders() != null)) {
            c.fail("InvalidRedirect", "a redirect route cannot also rewrite, retry, balance, break circuits, mirror or set forwardedHeaders");
        }
        HostHeader hostHeader = hostHeader(c, s);
        HeaderEdits requestHeaders = headerEdits(c, "requestHeaders", s.requestHeaders());
        HeaderEdits responseHeaders = headerEdits(c, "responseHeaders", s.responseHeaders());
        Timeouts timeouts = timeouts(c, s.timeouts());
        RetryPolicy retries = s.retries() == null ? null : retries(c, s.retries());
        CircuitBreakerPolicy breaker = s.circuitBreaker() == null ? null : circuitBreaker(c, s.circuitBreaker());
        LoadBalancing lb = s.loadBalancer() == null ? LoadBalancing.ROUND_ROBIN : loadBalancing(c, s.loadBalancer());
        RateLimitPolicy rateLimit = s.rateLimit() == null ? null : rateLimit(c, s.rateLimit());
        CorsPolicy cors = s.cors() == null ? null : cors(c, s.cors());
        MirrorPolicy mirror = s.mirror() == null ? null : mirror(c, s.mirror(), namespace);

        c.throwIfFailed();
        return new CompiledRoute(route.id(), route.name(), route.provenance(), s.precedence() == null ? 0 : s.precedence(),
                hosts, path, methods, headers, query, backends, redirect, rewrite, hostHeader, requestHeaders, responseHeaders,
                timeouts, retries, breaker, lb, rateLimit, cors, mirror, Boolean.TRUE.equals(s.websocket()),
                !Boolean.FALSE.equals(s.forwardedHeaders()), s);
    }

    // --- match ---

    private static List<HostPattern> hosts(Context c, List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            return List.of();
        }
        if (hosts.size() > 64) {
            c.fail("InvalidHost", "at most 64 hosts per route");
            return List.of();
        }
        Map<String, HostPattern> unique = new LinkedHashMap<>();
        for (String h : hosts) {
            try {
                HostPattern p = HostPattern.parse(h);
                unique.putIfAbsent(p.key(), p);
            }
            catch (IllegalArgumentException e) {
                c.fail("InvalidHost", e.getMessage());
            }
        }
        return List.copyOf(unique.values());
    }

    private static PathMatcher path(Context c, PathMatch p) {
        if (p == null) {
            c.fail("InvalidPath", "match.path is required");
            return null;
        }
        int given = (p.prefix() != null ? 1 : 0) + (p.exact() != null ? 1 : 0) + (p.regex() != null ? 1 : 0);
        if (given != 1) {
            c.fail("InvalidPath", "match.path needs exactly one of prefix, exact or regex");
            return null;
        }
        if (p.regex() != null) {
            if (p.regex().isEmpty() || p.regex().length() > 1024) {
                c.fail("InvalidPath", "match.path.regex must be 1-1024 characters");
                return null;
            }
            try {
                return new PathMatcher.RegexPath(Regex.compile(p.regex()));
            }
            catch (IllegalArgumentException e) {
                c.fail("InvalidPath", "match.path.regex: " + e.getMessage());
                return null;
            }
        }
        String raw = p.prefix() != null ? p.prefix() : p.exact();
        String field = p.prefix() != null ? "match.path.prefix" : "match.path.exact";
        String normalized = normalizedPath(c, field, raw);
        if (normalized == null) {
            return null;
        }
        if (p.exact() != null) {
            return new PathMatcher.Exact(normalized);
        }
        return new PathMatcher.Prefix(normalized.length() > 1 && normalized.endsWith("/")
                ? normalized.substring(0, normalized.length() - 1) : normalized);
    }

    private static String normalizedPath(Context c, String field, String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/' || raw.length() > 1024) {
            c.fail("InvalidPath", field + " must start with '/' and be at most 1024 characters");
            return null;
        }
        if (raw.indexOf('?') >= 0 || raw.indexOf('#') >= 0) {
            c.fail("InvalidPath", field + " must not contain '?' or '#': match query parameters with match.queryParams");
            return null;
        }
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch <= 0x20 || ch >= 0x7f) {
                c.fail("InvalidPath", field + " must be percent-encoded ASCII without spaces (found '" + printable(ch) + "'"
                        + (ch > 0x7f ? "; write '" + percentEncode(raw) + "'" : "") + ")");
                return null;
            }
        }
        try {
            return PathNormalizer.normalize(raw);
        }
        catch (PathNormalizer.RejectedPathException e) {
            c.fail("InvalidPath", field + " '" + abbreviate(raw) + "': " + e.getMessage());
            return null;
        }
    }

    private static List<ValuePredicate> values(Context c, String field, List<ValueMatch> matches, boolean header) {
        if (matches == null || matches.isEmpty()) {
            return List.of();
        }
        List<ValuePredicate> out = new ArrayList<>();
        for (int i = 0; i < matches.size(); i++) {
            ValueMatch m = matches.get(i);
            String where = field + "[" + i + "]";
            if (m == null || m.name() == null || !TOKEN.matcher(m.name()).matches()) {
                c.fail("InvalidMatch", where + ".name must be a valid " + (header ? "header" : "parameter") + " name");
                continue;
            }
            String name = header ? m.name().toLowerCase(Locale.ROOT) : m.name();
            int given = (m.value() != null ? 1 : 0) + (m.regex() != null ? 1 : 0) + (Boolean.TRUE.equals(m.present()) ? 1 : 0);
            if (given != 1) {
                c.fail("InvalidMatch", where + " (" + m.name() + ") needs exactly one of value, regex or present: true");
                continue;
            }
            if (m.value() != null) {
                if (m.value().length() > MAX_HEADER_VALUE || hasControl(m.value())) {
                    c.fail("InvalidMatch", where + ".value must be at most " + MAX_HEADER_VALUE + " characters without control characters");
                    continue;
                }
                out.add(new ValuePredicate(name, ValuePredicate.Kind.EXACT, m.value(), null));
            }
            else if (m.regex() != null) {
                if (m.regex().length() > 1024) {
                    c.fail("InvalidMatch", where + ".regex must be at most 1024 characters");
                    continue;
                }
                try {
                    out.add(new ValuePredicate(name, ValuePredicate.Kind.REGEX, null, Regex.compile(m.regex())));
                }
                catch (IllegalArgumentException e) {
                    c.fail("InvalidMatch", where + ".regex: " + e.getMessage());
                }
            }
            else {
                out.add(new ValuePredicate(name, ValuePredicate.Kind.PRESENT, null, null));
            }
        }
        return List.copyOf(out);
    }

    // --- backends ---

    private List<WeightedBackend> backends(Context c, List<BackendRef> refs, String namespace) {
        List<WeightedBackend> out = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < refs.size(); i++) {
            BackendRef b = refs.get(i);
            String where = "backends[" + i + "]";
            if (b == null) {
                c.fail("InvalidBackend", where + " is empty");
                continue;
            }
            int weight = b.weight() == null ? 1 : b.weight();
            if (weight < 0 || weight > 10000) {
                c.fail("InvalidBackend", where + ".weight must be 0-10000");
                continue;
            }
            BackendTarget target = target(c, where, b.service(), b.url(), b.port(), namespace);
            if (target != null) {
                out.add(new WeightedBackend(target, weight));
                total += weight;
            }
        }
        if (!out.isEmpty() && total == 0) {
            c.fail("InvalidBackend", "every backend has weight 0: nothing could serve this route");
        }
        return List.copyOf(out);
    }

    private static BackendTarget target(Context c, String where, String service, String url, String port, String namespace) {
        if ((service == null) == (url == null)) {
            c.fail("InvalidBackend", where + " needs exactly one of service or url");
            return null;
        }
        if (url != null) {
            if (port != null) {
                c.fail("InvalidBackend", where + ": port applies to services; put it in the url");
                return null;
            }
            return url(c, where, url);
        }
        if (service.startsWith(BackendTarget.Unavailable.PREFIX)) {
            return new BackendTarget.Unavailable(service.substring(BackendTarget.Unavailable.PREFIX.length()));
        }
        if (port != null && !validPort(port)) {
            c.fail("InvalidBackend", where + ".port '" + abbreviate(port) + "' must be a number 1-65535 or a port name");
            return null;
        }
        return service(c, where, service, port, namespace);
    }

    private static BackendTarget.Url url(Context c, String where, String url) {
        URI uri;
        try {
            uri = new URI(url);
        }
        catch (URISyntaxException e) {
            c.fail("InvalidBackend", where + ".url '" + abbreviate(withoutUserInfo(url)) + "' is not a URL: " + e.getReason());
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            c.fail("InvalidBackend", where + ".url must be http:// or https://");
            return null;
        }
        if (uri.getHost() == null) {
            c.fail("InvalidBackend", where + ".url '" + abbreviate(withoutUserInfo(url)) + "' has no host");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            c.fail("InvalidBackend", where + ".url must not carry user info, a query or a fragment");
            return null;
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            c.fail("InvalidBackend", where + ".url must not have a path; use rewrite to change the upstream path");
            return null;
        }
        try {
            return new BackendTarget.Url(new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null));
        }
        catch (URISyntaxException e) {
            c.fail("InvalidBackend", where + ".url: " + e.getReason());
            return null;
        }
    }

    private static BackendTarget.Service service(Context c, String where, String ref, String port, String namespace) {
        try {
            return BackendTarget.Service.parse(ref, namespace, port);
        }
        catch (IllegalArgumentException e) {
            c.fail("InvalidBackend", where + ".service " + e.getMessage());
            return null;
        }
    }

    private static boolean validPort(String port) {
        if (port.chars().allMatch(Character::isDigit) && !port.isEmpty() && port.length() <= 5) {
            int p = Integer.parseInt(port);
            return p >= 1 && p <= 65535;
        }
        return PORT_NAME.matcher(port).matches();
    }

    // --- actions ---

    private static RedirectAction redirect(Context c, GatewayRouteSpec s, PathMatcher path) {
        var r = s.redirect();
        int code = r.code() == null ? 302 : r.code();
        if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
            c.fail("InvalidRedirect", "redirect.code must be one of 301, 302, 303, 307, 308");
        }
        String scheme = r.scheme() == null ? null : r.scheme().toLowerCase(Locale.ROOT);
        if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
            c.fail("InvalidRedirect", "redirect.scheme must be http or https");
        }
        if (r.host() != null) {
            try {
                HostPattern h = HostPattern.parse(r.host());
                if (h.wildcard()) {
                    c.fail("InvalidRedirect", "redirect.host cannot be a wildcard");
                }
            }
            catch (IllegalArgumentException e) {
                c.fail("InvalidRedirect", "redirect.host: " + e.getMessage());
            }
        }
        if (r.port() != null && (r.port() < 1 || r.port() > 65535)) {
            c.fail("InvalidRedirect", "redirect.port must be 1-65535");
        }
        if (r.path() != null && r.prefix() != null) {
            c.fail("InvalidRedirect", "redirect takes path or prefix, not both");
        }
        String newPath = r.path() == null ? null : normalizedPath(c, "redirect.path", r.path());
        String newPrefix = r.prefix() == null ? null : normalizedPath(c, "redirect.prefix", r.prefix());
        String matched = null;
        if (r.prefix() != null) {
            if (path instanceof PathMatcher.Prefix p) {
                matched = p.prefix();
            }
            else {
                c.fail("InvalidRedirect", "redirect.prefix needs a match.path.prefix");
            }
        }
        if (scheme == null && r.host() == null && r.port() == null && r.path() == null && r.prefix() == null) {
            c.fail("InvalidRedirect", "redirect must change at least one of scheme, host, port, path or prefix");
        }
        return new RedirectAction(scheme, r.host() == null ? null : r.host().toLowerCase(Locale.ROOT), r.port(), newPath,
                newPrefix, matched, code);
    }

    private static PathRewrite rewrite(Context c, GatewayRouteSpec s, PathMatcher path) {
        var r = s.rewrite();
        int given = (r.prefix() != null ? 1 : 0) + (r.regex() != null ? 1 : 0) + (r.path() != null ? 1 : 0);
        if (given != 1) {
            c.fail("InvalidRewrite", "rewrite needs exactly one of prefix, regex or path");
            return null;
        }
        if (r.prefix() != null) {
            if (!(path instanceof PathMatcher.Prefix p)) {
                c.fail("InvalidRewrite", "rewrite.prefix needs a match.path.prefix (use rewrite.regex with other matches)");
                return null;
            }
            String replacement = normalizedPath(c, "rewrite.prefix", r.prefix());
            return replacement == null ? null : new PathRewrite.ReplacePrefix(p.prefix(), replacement);
        }
        if (r.path() != null) {
            String fixed = normalizedPath(c, "rewrite.path", r.path());
            return fixed == null ? null : new PathRewrite.ReplacePath(fixed);
        }
        var rx = r.regex();
        if (rx.pattern() == null || rx.replacement() == null || rx.pattern().isEmpty()) {
            c.fail("InvalidRewrite", "rewrite.regex needs pattern and replacement");
            return null;
        }
        if (rx.pattern().length() > 1024 || rx.replacement().length() > 1024) {
            c.fail("InvalidRewrite", "rewrite.regex pattern and replacement must be at most 1024 characters");
            return null;
        }
        Regex pattern;
        try {
            pattern = Regex.compile(rx.pattern());
        }
        catch (IllegalArgumentException e) {
            c.fail("InvalidRewrite", "rewrite.regex.pattern: " + e.getMessage());
            return null;
        }
        if (!rx.replacement().startsWith("/") && !rx.replacement().startsWith("$")) {
            c.fail("InvalidRewrite", "rewrite.regex.replacement must produce a path starting with '/'");
            return null;
        }
        Matcher m = GROUP_REF.matcher(rx.replacement());
        while (m.find()) {
            if (m.group(2) != null) {
                if (!pattern.pattern().namedGroups().containsKey(m.group(2))) {
                    c.fail("InvalidRewrite", "rewrite.regex.replacement refers to group '" + m.group(2) + "', which the pattern does not define");
                    return null;
                }
            }
            else if (Integer.parseInt(m.group(1).length() > 4 ? "99999" : m.group(1)) > pattern.groupCount()) {
                c.fail("InvalidRewrite", "rewrite.regex.replacement refers to $" + m.group(1) + " but the pattern has "
                        + pattern.groupCount() + " group(s)");
                return null;
            }
        }
        return new PathRewrite.ReplaceRegex(pattern, rx.replacement());
    }

    private static HostHeader hostHeader(Context c, GatewayRouteSpec s) {
        boolean auto = Boolean.TRUE.equals(s.autoHostRewrite());
        if (s.hostRewrite() != null && auto) {
            c.fail("InvalidSpec", "hostRewrite and autoHostRewrite are mutually exclusive");
            return HostHeader.PRESERVE;
        }
        if (s.hostRewrite() != null) {
            String h = s.hostRewrite();
            int colon = h.lastIndexOf(':');
            String host = colon > 0 && h.substring(colon + 1).chars().allMatch(Character::isDigit) ? h.substring(0, colon) : h;
            try {
                if (HostPattern.parse(host).wildcard()) {
                    c.fail("InvalidSpec", "hostRewrite cannot be a wildcard");
                }
            }
            catch (IllegalArgumentException e) {
                c.fail("InvalidSpec", "hostRewrite: " + e.getMessage());
            }
            return new HostHeader(HostHeader.Mode.REWRITE, h.toLowerCase(Locale.ROOT));
        }
        return auto ? new HostHeader(HostHeader.Mode.AUTO, null) : HostHeader.PRESERVE;
    }

    private static HeaderEdits headerEdits(Context c, String field, HeaderOperations ops) {
        if (ops == null) {
            return HeaderEdits.NONE;
        }
        List<String> remove = new ArrayList<>();
        Map<String, String> set = new LinkedHashMap<>();
        Map<String, String> add = new LinkedHashMap<>();
        if (ops.remove() != null) {
            for (String name : ops.remove()) {
                if (checkHeaderName(c, field + ".remove", name)) {
                    remove.add(name);
                }
            }
        }
        for (var e : List.of(Map.entry("set", ops.set() == null ? Map.<String, String>of() : ops.set()),
                Map.entry("add", ops.add() == null ? Map.<String, String>of() : ops.add()))) {
            for (var h : e.getValue().entrySet()) {
                String where = field + "." + e.getKey();
                if (!checkHeaderName(c, where, h.getKey())) {
                    continue;
                }
                String value = h.getValue() == null ? "" : h.getValue();
                if (value.length() > MAX_HEADER_VALUE || hasControl(value)) {
                    c.fail("InvalidHeaders", where + "." + h.getKey() + " must be at most " + MAX_HEADER_VALUE
                            + " characters without control characters (CR/LF would split the header)");
                    continue;
                }
                if (value.indexOf('{') >= 0 || value.indexOf('}') >= 0) {
                    // Spring Cloud Gateway's header filters expand {name} as URI template variables.
                    c.fail("InvalidHeaders", where + "." + h.getKey() + ": '{' and '}' are reserved in header values");
                    continue;
                }
                (e.getKey().equals("set") ? set : add).put(h.getKey(), value);
            }
        }
        return remove.isEmpty() && set.isEmpty() && add.isEmpty() ? HeaderEdits.NONE
                : new HeaderEdits(List.copyOf(remove), Map.copyOf(set), Map.copyOf(add));
    }

    private static boolean checkHeaderName(Context c, String where, String name) {
        if (name == null || !TOKEN.matcher(name).matches()) {
            c.fail("InvalidHeaders", where + ": '" + abbreviate(String.valueOf(name)) + "' is not a valid header name");
            return false;
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            c.fail("InvalidHeaders", where + ": " + name + " is managed by the proxy"
                    + (name.equalsIgnoreCase("host") ? " (use hostRewrite)" : ""));
            return false;
        }
        return true;
    }

    // --- policies ---

    private static Timeouts timeouts(Context c, dev.isthmus.spec.Timeouts t) {
        if (t == null) {
            return Timeouts.NONE;
        }
        Duration connect = duration(c, "timeouts.connect", t.connect(), MAX_CONNECT);
        Duration response = duration(c, "timeouts.response", t.response(), MAX_TIMEOUT);
        Duration idle = duration(c, "timeouts.idle", t.idle(), MAX_TIMEOUT);
        return new Timeouts(connect, response, idle);
    }

    private static RetryPolicy retries(Context c, dev.isthmus.spec.Retries r) {
        int attempts = r.attempts() == null ? 1 : r.attempts();
        if (attempts < 0 || attempts > 10) {
            c.fail("InvalidPolicy", "retries.attempts must be 0-10");
        }
        Set<RetryOn> on = r.on() == null || r.on().isEmpty() ? DEFAULT_RETRY_ON
                : enumSet(r.on(), RetryOn.class);
        Duration perTry = duration(c, "retries.perTryTimeout", r.perTryTimeout(), MAX_TIMEOUT);
        Duration backoff = r.backoff() == null ? Duration.ofMillis(25) : duration(c, "retries.backoff", r.backoff(), Duration.ofMinutes(1));
        Set<HttpMethod> methods = r.methods() == null || r.methods().isEmpty() ? IDEMPOTENT : enumSet(r.methods(), HttpMethod.class);
        return new RetryPolicy(attempts, on, perTry, backoff, methods);
    }

    private static CircuitBreakerPolicy circuitBreaker(Context c, dev.isthmus.spec.CircuitBreaker b) {
        int failureRate = intIn(c, "circuitBreaker.failureRateThreshold", b.failureRateThreshold(), 50, 1, 100);
        int slowRate = intIn(c, "circuitBreaker.slowCallRateThreshold", b.slowCallRateThreshold(), 100, 1, 100);
        int minimum = intIn(c, "circuitBreaker.minimumCalls", b.minimumCalls(), 20, 1, 100000);
        int halfOpen = intIn(c, "circuitBreaker.halfOpenCalls", b.halfOpenCalls(), 5, 1, 1000);
        Duration slow = b.slowCallDurationThreshold() == null ? Duration.ofSeconds(60)
                : duration(c, "circuitBreaker.slowCallDurationThreshold", b.slowCallDurationThreshold(), MAX_TIMEOUT);
        Duration open = b.openDuration() == null ? Duration.ofSeconds(30)
                : duration(c, "circuitBreaker.openDuration", b.openDuration(), MAX_TIMEOUT);
        return new CircuitBreakerPolicy(failureRate, slow, slowRate, minimum, open, halfOpen);
    }

    private static LoadBalancing loadBalancing(Context c, dev.isthmus.spec.LoadBalancer lb) {
        LoadBalancerPolicy policy = lb.policy() == null ? LoadBalancerPolicy.ROUND_ROBIN : lb.policy();
        if (policy != LoadBalancerPolicy.CONSISTENT_HASH) {
            if (lb.hashOn() != null) {
                c.fail("InvalidPolicy", "loadBalancer.hashOn applies only to policy consistent-hash");
            }
            return new LoadBalancing(policy, null);
        }
        var h = lb.hashOn();
        if (h == null) {
            c.fail("InvalidPolicy", "loadBalancer.hashOn is required with policy consistent-hash");
            return LoadBalancing.ROUND_ROBIN;
        }
        int given = (h.header() != null ? 1 : 0) + (h.cookie() != null ? 1 : 0) + (Boolean.TRUE.equals(h.sourceIp()) ? 1 : 0);
        if (given != 1) {
            c.fail("InvalidPolicy", "loadBalancer.hashOn needs exactly one of header, cookie or sourceIp: true");
            return LoadBalancing.ROUND_ROBIN;
        }
        if (h.header() != null) {
            if (!TOKEN.matcher(h.header()).matches()) {
                c.fail("InvalidPolicy", "loadBalancer.hashOn.header is not a valid header name");
            }
            return new LoadBalancing(policy, new HashKey.Header(h.header().toLowerCase(Locale.ROOT)));
        }
        if (h.cookie() != null) {
            var ck = h.cookie();
            if (ck.name() == null || !TOKEN.matcher(ck.name()).matches()) {
                c.fail("InvalidPolicy", "loadBalancer.hashOn.cookie.name is not a valid cookie name");
            }
            Duration ttl = ck.ttl() == null ? null : duration(c, "loadBalancer.hashOn.cookie.ttl", ck.ttl(), Duration.ofDays(3650));
            String cookiePath = ck.path() == null ? "/" : ck.path();
            if (!cookiePath.startsWith("/") || hasControl(cookiePath) || cookiePath.indexOf(';') >= 0) {
                c.fail("InvalidPolicy", "loadBalancer.hashOn.cookie.path must be a path");
            }
            return new LoadBalancing(policy, new HashKey.Cookie(ck.name(), ttl, cookiePath));
        }
        return new LoadBalancing(policy, new HashKey.SourceIp());
    }

    private static RateLimitPolicy rateLimit(Context c, dev.isthmus.spec.RateLimit r) {
        int rps = intIn(c, "rateLimit.requestsPerSecond", r.requestsPerSecond(), -1, 1, 1_000_000);
        int burst = intIn(c, "rateLimit.burst", r.burst(), Math.max(rps, 1), 1, 10_000_000);
        if (rps > 0 && burst < rps) {
            c.fail("InvalidPolicy", "rateLimit.burst must be at least requestsPerSecond");
        }
        if (rps > 0 && (long) burst > (long) rps * MAX_BUCKET_FILL_SECONDS) {
            // an emptied bucket must refill within a day: it is kept (locally, or in Redis with twice
            // that as its TTL) until it has
            c.fail("InvalidPolicy", "rateLimit.burst must be at most " + MAX_BUCKET_FILL_SECONDS
                    + " x requestsPerSecond (an emptied bucket refills within a day)");
        }
        String key = r.key() == null ? "client-ip" : r.key();
        String header = null;
        if (key.startsWith("header:") && TOKEN.matcher(key.substring(7)).matches()) {
            header = key.substring(7).toLowerCase(Locale.ROOT);
        }
        else if (!key.equals("client-ip")) {
            c.fail("InvalidPolicy", "rateLimit.key must be client-ip or header:<name>");
        }
        return new RateLimitPolicy(rps, burst, header, r.scope() == null ? RateLimitScope.LOCAL : r.scope());
    }

    private static CorsPolicy cors(Context c, dev.isthmus.spec.Cors cors) {
        List<String> origins = cors.allowOrigins() == null ? List.of() : List.copyOf(cors.allowOrigins());
        boolean credentials = Boolean.TRUE.equals(cors.allowCredentials());
        for (String o : origins) {
            if (o == null || !(o.equals("*") || CORS_ORIGIN.matcher(o).matches())) {
                c.fail("InvalidPolicy", "cors.allowOrigins: '" + abbreviate(String.valueOf(o))
                        + "' must be *, scheme://host[:port] or scheme://*.domain[:port] (one leading wildcard label)");
            }
            else if (credentials && o.contains("*")) {
                // any wildcard with credentials lets every matching site read authenticated responses
                c.fail("InvalidPolicy", "cors: allowCredentials cannot be combined with the wildcard origin '" + abbreviate(o)
                        + "': list the origins");
            }
        }
        List<String> methods = cors.allowMethods() == null ? List.of() : cors.allowMethods().stream().map(Enum::name).toList();
        List<String> allowHeaders = tokens(c, "cors.allowHeaders", cors.allowHeaders(), true);
        List<String> exposeHeaders = tokens(c, "cors.exposeHeaders", cors.exposeHeaders(), false);
        Duration maxAge = cors.maxAge() == null ? null : duration(c, "cors.maxAge", cors.maxAge(), Duration.ofDays(1));
        return new CorsPolicy(origins, methods, allowHeaders, exposeHeaders, credentials, maxAge);
    }

    private static List<String> tokens(Context c, String field, List<String> names, boolean allowStar) {
        if (names == null) {
            return List.of();
        }
        for (String n : names) {
            if (n == null || !(TOKEN.matcher(n).matches() || (allowStar && n.equals("*")))) {
                c.fail("InvalidPolicy", field + ": '" + abbreviate(String.valueOf(n)) + "' is not a header name");
            }
        }
        return List.copyOf(names);
    }

    private static MirrorPolicy mirror(Context c, dev.isthmus.spec.Mirror m, String namespace) {
        int percent = intIn(c, "mirror.percent", m.percent(), 100, 0, 100);
        BackendTarget target = target(c, "mirror", m.service(), m.url(), null, namespace);
        if (target instanceof BackendTarget.Unavailable) {
            c.fail("InvalidBackend", "mirror: an unavailable backend cannot be mirrored to");
            return null;
        }
        return target == null ? null : new MirrorPolicy(target, percent);
    }

    // --- helpers ---

    private static Duration duration(Context c, String field, String text, Duration max) {
        if (text == null) {
            return null;
        }
        try {
            Duration d = DurationParser.parse(text);
            if (d.compareTo(Duration.ofMillis(1)) < 0) {
                c.fail("InvalidPolicy", field + " must be at least 1ms");
                return null;
            }
            if (d.compareTo(max) > 0) {
                c.fail("InvalidPolicy", field + " '" + text + "' is more than the maximum of " + human(max));
                return null;
            }
            return d;
        }
        catch (IllegalArgumentException e) {
            c.fail("InvalidPolicy", field + ": " + e.getMessage());
            return null;
        }
    }

    private static int intIn(Context c, String field, Integer value, int dflt, int min, int max) {
        if (value == null) {
            if (dflt < 0) {
                c.fail("InvalidPolicy", field + " is required");
            }
            return dflt;
        }
        if (value < min || value > max) {
            c.fail("InvalidPolicy", field + " must be " + min + "-" + max);
            return dflt;
        }
        return value;
    }

    private static String human(Duration d) {
        return d.toHours() >= 1 ? d.toHours() + "h" : d.toMinutes() >= 1 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }

    /** Iterates in declaration order, so compiled output is deterministic. */
    private static <E extends Enum<E>> Set<E> enumSet(List<E> values, Class<E> type) {
        EnumSet<E> out = EnumSet.noneOf(type);
        for (E v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Percent-encodes non-ASCII characters as UTF-8, as a hint for route authors. */
    private static String percentEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int v = b & 0xff;
            if (v > 0x20 && v < 0x7f) {
                out.append((char) v);
            }
            else {
                out.append('%').append(String.format("%02X", v));
            }
        }
        return abbreviate(out.toString());
    }

    private static String printable(char ch) {
        return ch < 0x20 || ch == 0x7f ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
    }

    /** A URL as status and logs may show it: credentials before an '@' in the authority become '***'. */
    static String withoutUserInfo(String url) {
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int at = url.lastIndexOf('@', end - 1);
        return at < start ? url : url.substring(0, start) + "***" + url.substring(at);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Collects every problem of one route, so an author sees them all at once. */
    private static final class Context {
        private final List<Problem> problems = new ArrayList<>();

        void fail(String reason, String message) {
            problems.add(new Problem(reason, message));
        }

        void throwIfFailed() throws InvalidRouteException {
            if (!problems.isEmpty()) {
                throw new InvalidRouteException(problems);
            }
        }
    }
}
