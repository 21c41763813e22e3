package dev.isthmus.runtime.upstream;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a backend's chain with the PKIX trust manager, then its identity against the backend's
 * {@code serverName} alone. The JDK's own check (endpoint identification "HTTPS") tries the SNI
 * name and, when that does not match, falls back to the address connected to: a certificate for
 * 10.0.0.5 would then pass for {@code serverName: payments.internal}. Here the name is the only
 * identity, as in Envoy's SNI-based SAN validation: a DNS subject alternative name equal to it, or
 * a wildcard standing for exactly its first label (RFC 6125 §6.4.3); the subject CN is never used.
 */
final class ServerNameTrustManager extends X509ExtendedTrustManager {

    private static final int DNS_NAME = 2;

    private final X509ExtendedTrustManager chain;
    private final String serverName;

    ServerNameTrustManager(X509ExtendedTrustManager chain, String serverName) {
        this.chain = chain;
        this.serverName = serverName.toLowerCase(Locale.ROOT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) throws CertificateException {
        chain.checkServerTrusted(certificates, authType); // without an engine: the chain only, no identity fallback
        checkName(certificates[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket) throws CertificateException {
        chain.checkServerTrusted(certificates, authType);
        checkName(certificates[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        chain.checkServerTrusted(certificates, authType);
        checkName(certificates[0]);
    }

    void checkName(X509Certificate leaf) throws CertificateException {
        List<String> names = dnsNames(leaf);
        for (String name : names) {
            if (matches(name.toLowerCase(Locale.ROOT), serverName)) {
                return;
            }
        }
        throw new CertificateException("the certificate is not for server name " + serverName + " (its DNS names: "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }

    static boolean matches(String pattern, String name) {
        if (!pattern.startsWith("*.")) {
            return pattern.equals(name);
        }
        String suffix = pattern.substring(1); // ".example.com"
        int firstDot = name.indexOf('.');
        // exactly one label in place of '*', and never a wildcard over a single remaining label ("*.com")
        return firstDot > 0 && name.substring(firstDot).equals(suffix) && suffix.indexOf('.', 1) > 0;
    }

    private static List<String> dnsNames(X509Certificate leaf) throws CertificateParsingException {
        List<String> out = new ArrayList<>();
        Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
        if (alternatives != null) {
            for (List<?> entry : alternatives) {
                if (entry.size() >= 2 && entry.get(0) instanceof Integer type && type == DNS_NAME && entry.get(1) instanceof String s) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
    }
}
