package dev.isthmus.compile;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.isthmus.compile.ownership.BackendAdmission;
import dev.isthmus.spec.BackendRef;
import dev.isthmus.spec.BackendTls;
import dev.isthmus.spec.CaSecretRef;
import dev.isthmus.spec.ClientCertificate;
import dev.isthmus.spec.SecretKeyRef;
import dev.isthmus.spec.UpstreamProtocol;

import static dev.isthmus.model.ConditionReason.INVALID_BACKEND;

/** Compiles backend references (a route's backends, a mirror's target) into {@link BackendTarget}s. */
public final class BackendCompiler {

    private static final Pattern SERVER_NAME = Pattern.compile(BackendTls.SERVER_NAME_PATTERN);
    private static final Pattern SECRET_NAME = Pattern.compile(SecretKeyRef.NAME_PATTERN);
    private static final Pattern SECRET_KEY = Pattern.compile(SecretKeyRef.KEY_PATTERN);
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
                int before = p.list().size();
                UpstreamTransport transport = transport(p, where, b, target, admission);
                if (p.list().size() == before) {
                    out.add(new WeightedBackend(target, weight, transport));
                    total += weight;
                }
            }
        }
        if (!out.isEmpty() && total == 0) {
            p.fail(INVALID_BACKEND, "every backend has weight 0: nothing could serve this route");
        }
        return List.copyOf(out);
    }

    /**
     * The backend's protocol and TLS, null for plain HTTP/1.1 with the gateway-wide TLS settings.
     * Files on the gateway's filesystem (CA, client certificate) and {@code insecureSkipVerify}
     * are the operator's (routes file); Secrets are a GatewayRoute's or ConfigMap's own namespace's.
     */
    static UpstreamTransport transport(Problems p, String where, BackendRef b, BackendTarget target, BackendAdmission admission) {
        UpstreamProtocol protocol = b.protocol() == null ? UpstreamProtocol.HTTP1 : b.protocol();
        if (b.tls() == null && protocol == UpstreamProtocol.HTTP1) {
            return null;
        }
        if (target instanceof BackendTarget.Unavailable) {
            return null;
        }
        boolean httpUrl = target instanceof BackendTarget.Url u && "http".equals(u.uri().getScheme());
        if (httpUrl && (b.tls() != null || protocol == UpstreamProtocol.H2)) {
            p.fail(INVALID_BACKEND, where + ": " + (b.tls() != null ? "tls" : "protocol h2") + " needs an https:// url (TLS), not http://");
            return null;
        }
        if (protocol == UpstreamProtocol.H2C && (b.tls() != null || target instanceof BackendTarget.Url u && "https".equals(u.uri().getScheme()))) {
            p.fail(INVALID_BACKEND, where + ": protocol h2c is HTTP/2 in clear text; over TLS use protocol h2");
            return null;
        }
        UpstreamTransport.Tls tls = b.tls() == null ? null : tls(p, where + ".tls", b.tls(), admission);
        if (b.tls() != null && tls == null) {
            return null;
        }
        if (tls == null && (protocol == UpstreamProtocol.H2 || target instanceof BackendTarget.Url u && "https".equals(u.uri().getScheme()))) {
            tls = UpstreamTransport.Tls.DEFAULTS; // h2 is always TLS; an https:// url with protocol h2 keeps the gateway's trust
        }
        if (tls != null) {
            tls = tls.withDefaultServerName(defaultServerName(target));
        }
        return new UpstreamTransport(protocol, tls);
    }

    /** The name checked in the certificate unless serverName says otherwise: the URL's host, a Kubernetes Service's DNS name. */
    private static String defaultServerName(BackendTarget target) {
        if (target instanceof BackendTarget.Url u) {
            String host = u.uri().getHost();
            // an address is checked as itself (IP SAN); SNI carries host names only (RFC 6066)
            return host.startsWith("[") || host.chars().allMatch(c -> Character.isDigit(c) || c == '.') ? null : host;
        }
        if (target instanceof BackendTarget.Service s && s.registry() == BackendTarget.Registry.KUBERNETES) {
            return s.name() + "." + s.namespace() + ".svc";
        }
        return null; // Consul instances, and names either registry may answer: the instance address
    }

    private static UpstreamTransport.Tls tls(Problems p, String where, BackendTls t, BackendAdmission admission) {
        int before = p.list().size();
        if (t.caFile() != null && t.caSecretRef() != null) {
            p.fail(INVALID_BACKEND, where + ": at most one of caFile or caSecretRef");
        }
        UpstreamTransport.Pem ca = null;
        if (t.caFile() != null) {
            ca = file(p, where + ".caFile", t.caFile(), admission);
        }
        else if (t.caSecretRef() != null) {
            String key = t.caSecretRef().key() == null ? CaSecretRef.DEFAULT_KEY : t.caSecretRef().key();
            ca = secret(p, where + ".caSecretRef", t.caSecretRef().name(), key, admission);
        }
        UpstreamTransport.Pem certificate = null;
        UpstreamTransport.Pem key = null;
        ClientCertificate c = t.clientCertificate();
        if (c != null) {
            boolean files = c.certFile() != null || c.keyFile() != null;
            if (files == (c.secretName() != null)) {
                p.fail(INVALID_BACKEND, where + ".clientCertificate needs exactly one of secretName or certFile with keyFile");
            }
            else if (files && (c.certFile() == null || c.keyFile() == null)) {
                p.fail(INVALID_BACKEND, where + ".clientCertificate needs both certFile and keyFile");
            }
            else if (files) {
                certificate = file(p, where + ".clientCertificate.certFile", c.certFile(), admission);
                key = file(p, where + ".clientCertificate.keyFile", c.keyFile(), admission);
            }
            else {
                certificate = secret(p, where + ".clientCertificate.secretName", c.secretName(), "tls.crt", admission);
                key = secret(p, where + ".clientCertificate.secretName", c.secretName(), "tls.key", admission);
            }
        }
        boolean insecure = Boolean.TRUE.equals(t.insecureSkipVerify());
        if (insecure && !admission.operatorOwned()) {
            p.fail(INVALID_BACKEND, where + ".insecureSkipVerify is for the routes file only; give the backend's CA in caSecretRef");
        }
        if (insecure && admission.operatorOwned()) {
            p.warn(where + ".insecureSkipVerify: the backend's certificate is not checked; anyone on the path can read and change this traffic");
        }
        if (insecure && ca != null) {
            p.fail(INVALID_BACKEND, where + ": insecureSkipVerify checks nothing, so a CA means nothing: use one or the other");
        }
        String serverName = t.serverName();
        if (serverName != null && (serverName.length() > 253 || !SERVER_NAME.matcher(serverName).matches())) {
            p.fail(INVALID_BACKEND, where + ".serverName '" + Text.abbreviate(serverName) + "' is not a DNS name");
        }
        if (p.list().size() != before) {
            return null;
        }
        return new UpstreamTransport.Tls(ca, serverName == null ? null : serverName.toLowerCase(Locale.ROOT), certificate, key, insecure);
    }

    private static UpstreamTransport.Pem file(Problems p, String where, String path, BackendAdmission admission) {
        if (!admission.operatorOwned()) {
            p.fail(INVALID_BACKEND, where + " reads the gateway's own filesystem: only the routes file may; use a Secret in this namespace");
            return null;
        }
        if (path.isBlank() || Text.hasControl(path) || path.length() > BackendTls.MAX_PATH) {
            p.fail(INVALID_BACKEND, where + " must be a path");
            return null;
        }
        return new UpstreamTransport.Pem.File(path);
    }

    private static UpstreamTransport.Pem secret(Problems p, String where, String name, String key, BackendAdmission admission) {
        String namespace = admission.secretNamespace();
        if (namespace == null) {
            p.fail(INVALID_BACKEND, where + " is for GatewayRoutes and ConfigMap routes (a Secret in their namespace); "
                    + (admission.operatorOwned() ? "the routes file names files (caFile, certFile, keyFile)"
                            : "Consul tag routes use the gateway's isthmus.upstream.tls.* settings"));
            return null;
        }
        if (name == null || !SECRET_NAME.matcher(name).matches()) {
            p.fail(INVALID_BACKEND, where + " '" + Text.abbreviate(String.valueOf(name)) + "' is not a Secret name");
            return null;
        }
        if (!SECRET_KEY.matcher(key).matches()) {
            p.fail(INVALID_BACKEND, where + ": '" + Text.abbreviate(key) + "' is not a Secret key");
            return null;
        }
        return new UpstreamTransport.Pem.Secret(namespace, name, key);
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
