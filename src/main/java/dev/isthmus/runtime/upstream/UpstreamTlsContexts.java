package dev.isthmus.runtime.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.tcp.AbstractProtocolSslContextSpec;

import org.springframework.boot.ssl.pem.PemContent;

import dev.isthmus.compile.UpstreamTransport;
import dev.isthmus.compile.UpstreamTransport.Pem;
import dev.isthmus.platform.DaemonThreads;
import dev.isthmus.runtime.auth.CredentialStore.SecretReader;

/**
 * The client TLS contexts of backends with their own TLS ({@code backends[].tls}, Consul
 * {@code isthmus.tls}): one per distinct setting and protocol, built from PEM files or Secrets when
 * a route first references it, and rebuilt when what it was built from changes, checked every
 * {@code isthmus.upstream.tls.reload-interval}, as the listener's certificates are (Spring Boot's SSL
 * bundles watch only the bundles they declare, so this is done here). New connections use the new
 * context; pooled ones finish on the old. A source that cannot be read or parsed keeps the last
 * good context; one that never could has none, and its requests fail with the reason (502), never
 * falling back to an unverified connection.
 *
 * <p>Hand-written on top of Netty's {@link SslContextBuilder} (through Reactor Netty's protocol
 * specs, which set ALPN) and Spring Boot's {@link PemContent} (PKCS#1, PKCS#8 and SEC1 keys).
 */
public final class UpstreamTlsContexts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UpstreamTlsContexts.class);
    /** Largest PEM text read from one source. */
    static final int MAX_BYTES = 1024 * 1024;

    /**
     * The gateway-wide settings, for backends that name none of their own.
     *
     * @param caFile trust roots for backends without a CA, null for the JVM's trust store
     * @param certFile, keyFile the client certificate presented to backends without one of their own, null for none
     */
    public record Defaults(String caFile, String certFile, String keyFile) {
        public static final Defaults NONE = new Defaults(null, null, null);
    }

    /** What a context is built for: the backend's settings, and whether ALPN offers h2. */
    record Key(UpstreamTransport.Tls tls, boolean h2) {
    }

    /** One context: the current one, what is wrong, and the handshakes that failed with it. */
    public static final class Handle {
        private final Key key;
        private volatile SslContext context;
        private volatile long version;
        private volatile byte[] digest;
        private volatile String problem = "not read yet";
        private final AtomicLong failures = new AtomicLong();
        private volatile String lastFailure;
        private volatile Instant lastFailureAt;

        Handle(Key key) {
            this.key = key;
        }

        /** The context to connect with, or null when none could ever be built ({@link #problem()} says why). */
        public SslContext context() {
            return context;
        }

        /** Bumped each time the context is rebuilt: clients built on an older one are rebuilt. */
        public long version() {
            return version;
        }

        /** What is wrong with the sources now, or null. */
        public String problem() {
            return problem;
        }

        public UpstreamTransport.Tls tls() {
            return key.tls();
        }

        /** A handshake with a backend failed: counted, and the latest reason kept for /actuator/upstreams. */
        public void failed(String authority, String reason) {
            failures.incrementAndGet();
            lastFailure = authority + ": " + reason;
            lastFailureAt = Instant.now();
        }

        public long failures() {
            return failures.get();
        }

        public String lastFailure() {
            return lastFailure;
        }

        public Instant lastFailureAt() {
            return lastFailureAt;
        }
    }

    private final SecretReader secrets;
    private final Defaults defaults;
    private final Map<Key, Handle> handles = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    public UpstreamTlsContexts(SecretReader secrets, Defaults defaults, Duration reloadInterval) {
        this.secrets = secrets;
        this.defaults = defaults;
        this.refresher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-upstream-tls"));
        long every = Math.max(100, reloadInterval.toMillis());
        refresher.scheduleWithFixedDelay(this::refreshAll, every, every, TimeUnit.MILLISECONDS);
    }

    /** The handle of a backend's settings; built now (on the caller's thread, the route builder's) the first time. */
    public Handle handle(UpstreamTransport.Tls tls, boolean h2) {
        Key key = new Key(tls, h2);
        Handle existing = handles.get(key);
        if (existing != null) {
            return existing;
        }
        Handle h = new Handle(key);
        load(h);
        Handle raced = handles.putIfAbsent(key, h);
        return raced != null ? raced : h;
    }

    /** Keeps only the settings of the routing table now in service. */
    public void retain(Collection<UpstreamTransport.Tls> inUse) {
        Set<UpstreamTransport.Tls> keep = inUse.stream().filter(Objects::nonNull).collect(Collectors.toSet());
        handles.keySet().removeIf(k -> !keep.contains(k.tls()));
    }

    /** Every context's state for /actuator/upstreams: sources, problem, failed handshakes. Never key material. */
    public List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        handles.values().forEach(h -> out.add(describe(h)));
        return out;
    }

    /** One handle's state. */
    public Map<String, Object> describe(Handle h) {
        Map<String, Object> m = new LinkedHashMap<>();
        UpstreamTransport.Tls t = h.tls();
        m.put("alpn", h.key.h2() ? "h2" : "http/1.1");
        m.put("ca", t.insecureSkipVerify() ? "none (insecureSkipVerify)" : t.ca() != null ? t.ca().toString()
                : defaults.caFile() != null ? "file " + defaults.caFile() + " (isthmus.upstream.tls.ca-file)" : "the JVM's trust store");
        m.put("serverName", t.serverName() == null ? "(the instance address)" : t.serverName());
        m.put("clientCertificate", t.certificate() != null ? t.certificate().toString()
                : defaults.certFile() != null ? "file " + defaults.certFile() + " (isthmus.upstream.tls.client-certificate)" : "none");
        m.put("usable", h.context() != null);
        if (h.problem() != null) {
            m.put("problem", h.problem());
        }
        m.put("handshakeFailures", h.failures());
        if (h.lastFailure() != null) {
            m.put("lastHandshakeFailure", h.lastFailure());
            m.put("lastHandshakeFailureAt", h.lastFailureAt().toString());
        }
        return m;
    }

    private void refreshAll() {
        for (Handle h : handles.values()) {
            try {
                load(h);
            }
            catch (RuntimeException e) {
                log.error("Reloading upstream TLS {} failed", h.tls(), e);
            }
        }
    }

    /** Reads the sources; rebuilds the context when their content changed. */
    void load(Handle h) {
        UpstreamTransport.Tls t = h.tls();
        List<String> problems = new ArrayList<>();
        Pem ca = t.insecureSkipVerify() ? null : t.ca() != null ? t.ca() : defaults.caFile() == null ? null : new Pem.File(defaults.caFile());
        Pem cert = t.certificate() != null ? t.certificate() : defaults.certFile() == null ? null : new Pem.File(defaults.certFile());
        Pem key = t.key() != null ? t.key() : defaults.keyFile() == null ? null : new Pem.File(defaults.keyFile());
        String caText = ca == null ? null : read(ca, problems);
        String certText = cert == null ? null : read(cert, problems);
        String keyText = key == null ? null : read(key, problems);
        if (!problems.isEmpty()) {
            keep(h, String.join("; ", problems));
            return;
        }
        byte[] digest = digest(caText, certText, keyText);
        if (h.context != null && Arrays.equals(digest, h.digest)) {
            if (h.problem != null) {
                h.problem = null;
            }
            return;
        }
        try {
            List<X509Certificate> roots = caText == null ? null : PemContent.of(caText).getCertificates();
            if (roots != null && roots.isEmpty()) {
                throw new IllegalArgumentException(ca + " holds no PEM certificate");
            }
            List<X509Certificate> chain = certText == null ? null : PemContent.of(certText).getCertificates();
            PrivateKey privateKey = keyText == null ? null : PemContent.of(keyText).getPrivateKey();
            if (chain != null && (chain.isEmpty() || privateKey == null)) {
                throw new IllegalArgumentException("client certificate " + cert + " / " + key + ": no certificate or no private key");
            }
            AbstractProtocolSslContextSpec<?> spec = h.key.h2() ? Http2SslContextSpec.forClient() : Http11SslContextSpec.forClient();
            spec.configure(b -> {
                try {
                    configure(b, t, roots, chain, privateKey);
                }
                catch (GeneralSecurityException | IOException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            SslContext built = spec.sslContext();
            boolean first = h.context == null;
            h.context = built;
            h.digest = digest;
            h.version++;
            h.problem = null;
            log.info("Upstream TLS {} {}: CA {}, client certificate {}", first ? "loaded" : "reloaded", describeShort(t), ca == null
                    ? (t.insecureSkipVerify() ? "none (insecureSkipVerify)" : "JVM trust store") : ca, cert == null ? "none" : cert);
        }
        catch (Exception e) {
            keep(h, "cannot build the TLS context: " + e.getMessage());
        }
    }

    private static void configure(SslContextBuilder b, UpstreamTransport.Tls t, List<X509Certificate> roots, List<X509Certificate> chain,
            PrivateKey key) throws GeneralSecurityException, IOException {
        if (t.insecureSkipVerify()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        else if (t.serverName() != null) {
            b.trustManager(new ServerNameTrustManager(pkix(roots), t.serverName()));
        }
        else if (roots != null) {
            b.trustManager(roots); // checked against the address connected to (UpstreamClients sets endpoint identification)
        }
        if (chain != null) {
            b.keyManager(key, chain);
        }
    }

    /** The PKIX trust manager of these roots, or of the JVM's trust store for null. */
    private static X509ExtendedTrustManager pkix(List<X509Certificate> roots) throws GeneralSecurityException, IOException {
        KeyStore store = null;
        if (roots != null) {
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                store.setCertificateEntry("ca-" + i, roots.get(i));
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager m : factory.getTrustManagers()) {
            if (m instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager in " + factory.getAlgorithm());
    }

    private void keep(Handle h, String problem) {
        if (!problem.equals(h.problem)) {
            if (h.context != null) {
                log.warn("Upstream TLS {}: {}; keeping the last good context", describeShort(h.tls()), problem);
            }
            else {
                log.warn("Upstream TLS {}: {}; its backends cannot be reached until this is fixed", describeShort(h.tls()), problem);
            }
        }
        h.problem = problem;
    }

    private String read(Pem pem, List<String> problems) {
        if (pem instanceof Pem.File f) {
            try {
                Path path = Path.of(f.path());
                if (Files.size(path) > MAX_BYTES) {
                    problems.add(pem + " is larger than " + MAX_BYTES + " bytes");
                    return null;
                }
                return Files.readString(path, StandardCharsets.UTF_8);
            }
            catch (NoSuchFileException e) {
                problems.add(pem + " not found");
            }
            catch (IOException | RuntimeException e) {
                problems.add(pem + " could not be read: " + e.getClass().getSimpleName());
            }
            return null;
        }
        Pem.Secret s = (Pem.Secret) pem;
        SecretReader.Result r = secrets.read(s.namespace(), s.name());
        if (r instanceof SecretReader.Found found) {
            byte[] value = found.data().get(s.key());
            if (value == null) {
                problems.add("secret " + s.namespace() + "/" + s.name() + " has no key " + s.key());
                return null;
            }
            if (value.length > MAX_BYTES) {
                problems.add(pem + " is larger than " + MAX_BYTES + " bytes");
                return null;
            }
            return new String(value, StandardCharsets.UTF_8);
        }
        if (r instanceof SecretReader.NotFound) {
            problems.add("secret " + s.namespace() + "/" + s.name() + " not found");
        }
        else if (r instanceof SecretReader.Forbidden f) {
            problems.add("the gateway may not read secret " + s.namespace() + "/" + s.name() + " (RBAC: get on secrets in " + s.namespace()
                    + "): " + f.message());
        }
        else {
            problems.add("secret " + s.namespace() + "/" + s.name() + " could not be read: " + ((SecretReader.Failed) r).message());
        }
        return null;
    }

    private static byte[] digest(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p == null ? new byte[] { 0 } : p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0xff);
            }
            return d.digest();
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String describeShort(UpstreamTransport.Tls t) {
        return "(server name " + (t.serverName() == null ? "the instance address" : t.serverName()) + ")";
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
