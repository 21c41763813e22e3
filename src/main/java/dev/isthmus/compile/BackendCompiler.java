package dev.isthmus.compile;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.isthmus.compile.ownership.BackendAdmission;
import dev.isthmus.spec.BackendRef;

import static dev.isthmus.model.ConditionReason.INVALID_BACKEND;

/** Compiles backend references (a route's backends, a mirror's target) into {@link BackendTarget}s. */
public final class BackendCompiler {

    private static final Pattern PORT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$");

    private BackendCompiler() {
    }

    /**
     * @param gatewayApi whether the route is an HTTPRoute's: only the Gateway API translator may write
     *     {@code service: "unavailable:<why>"}; from a file, ConfigMap, GatewayRoute or Consul tag it is refused
     */
    static List<WeightedBackend> backends(Problems p, List<BackendRef> refs, BackendAdmission admission, boolean gatewayApi) {
        List<WeightedBackend> out = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < refs.size(); i++) {
            BackendRef b = refs.get(i);
            String where = "backends[" + i + "]";
            if (b == null) {
                p.fail(INVALID_BACKEND, where + " is empty");
                continue;
            }
            int weight = b.weight() == null ? BackendRef.DEFAULT_WEIGHT : b.weight();
            if (weight < BackendRef.MIN_WEIGHT || weight > BackendRef.MAX_WEIGHT) {
                p.fail(INVALID_BACKEND, where + ".weight must be " + BackendRef.MIN_WEIGHT + "-" + BackendRef.MAX_WEIGHT);
                continue;
            }
            BackendTarget target = target(p, where, b.service(), b.url(), b.port(), admission);
            if (target instanceof BackendTarget.Unavailable && !gatewayApi) {
                p.fail(INVALID_BACKEND, where + ".service '" + Text.abbreviate(b.service()) + "': the prefix '"
                        + BackendTarget.Unavailable.PREFIX + "' is reserved for the Gateway API's unusable backendRefs");
                continue;
            }
            if (target != null) {
                out.add(new WeightedBackend(target, weight));
                total += weight;
            }
        }
        if (!out.isEmpty() && total == 0) {
            p.fail(INVALID_BACKEND, "every backend has weight 0: nothing could serve this route");
        }
        return List.copyOf(out);
    }

    /**
     * One reference: exactly one of a service (with an optional port) or a URL, as the route's
     * owner may use it ({@link BackendAdmission}); null when invalid or refused (reported).
     */
    public static BackendTarget target(Problems p, String where, String service, String url, String port, BackendAdmission admission) {
        BackendTarget written = parse(p, where, service, url, port, admission.namespace());
        return written == null ? null : admission.admit(p, where, written);
    }

    private static BackendTarget parse(Problems p, String where, String service, String url, String port, String namespace) {
        if ((service == null) == (url == null)) {
            p.fail(INVALID_BACKEND, where + " needs exactly one of service or url");
            return null;
        }
        if (url != null) {
            if (port != null) {
                p.fail(INVALID_BACKEND, where + ": port applies to services; put it in the url");
                return null;
            }
            return url(p, where, url);
        }
        if (service.startsWith(BackendTarget.Unavailable.PREFIX)) {
            return new BackendTarget.Unavailable(service.substring(BackendTarget.Unavailable.PREFIX.length()));
        }
        if (port != null && !validPort(port)) {
            p.fail(INVALID_BACKEND, where + ".port '" + Text.abbreviate(port) + "' must be a number 1-65535 or a port name");
            return null;
        }
        try {
            return BackendTarget.Service.parse(service, namespace, port);
        }
        catch (IllegalArgumentException e) {
            p.fail(INVALID_BACKEND, where + ".service " + e.getMessage());
            return null;
        }
    }

    private static BackendTarget.Url url(Problems p, String where, String url) {
        URI uri;
        try {
            uri = new URI(url);
        }
        catch (URISyntaxException e) {
            p.fail(INVALID_BACKEND, where + ".url '" + Text.abbreviate(Text.withoutUserInfo(url)) + "' is not a URL: " + e.getReason());
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            p.fail(INVALID_BACKEND, where + ".url must be http:// or https://");
            return null;
        }
        if (uri.getHost() == null) {
            p.fail(INVALID_BACKEND, where + ".url '" + Text.abbreviate(Text.withoutUserInfo(url)) + "' has no host");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            p.fail(INVALID_BACKEND, where + ".url must not carry user info, a query or a fragment");
            return null;
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            p.fail(INVALID_BACKEND, where + ".url must not have a path; use rewrite to change the upstream path");
            return null;
        }
        try {
            return new BackendTarget.Url(new URI(scheme, null, uri.getHost(), uri.getPort(), null, null, null));
        }
        catch (URISyntaxException e) {
            p.fail(INVALID_BACKEND, where + ".url: " + e.getReason());
            return null;
        }
    }

    private static boolean validPort(String port) {
        if (port.chars().allMatch(Character::isDigit) && !port.isEmpty() && port.length() <= 5) {
            int n = Integer.parseInt(port);
            return n >= 1 && n <= 65535;
        }
        return PORT_NAME.matcher(port).matches();
    }
}
