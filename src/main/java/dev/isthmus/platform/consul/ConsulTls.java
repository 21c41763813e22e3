package dev.isthmus.platform.consul;

import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import javax.net.ssl.SSLContext;

import org.springframework.cloud.consul.ConsulProperties;

/**
 * TLS to the agent from Spring Cloud Consul's own settings ({@code spring.cloud.consul.tls.*}), read
 * with the same meaning Spring Cloud Consul gives them, so one configuration serves both:
 * {@code certificate-path}/{@code certificate-password} is the client key store (certificate and
 * key the agent checks with {@code verify_incoming}), {@code key-store-path}/{@code key-store-password}
 * is the trust store holding the agent's CA. Either may be left out: no client certificate, or the
 * JVM's default trust. Store types (PKCS12, JKS) are detected from the files. Spring Cloud Consul
 * builds its blocking client's request factory from these; the watch's client needs an
 * {@link SSLContext}, hence this class. (Spring Cloud Consul itself insists on all five settings
 * when any is given; see docs/consul.md.)
 */
public final class ConsulTls {

    private ConsulTls() {
    }

    /** Whether the context {@link #sslContext} builds presents a client certificate. */
    public static boolean presentsClientCertificate(ConsulProperties.TLSConfig tls) {
        return tls != null && hasText(tls.getCertificatePath());
    }

    /** @throws IllegalStateException when a store cannot be read: bad TLS settings fail at startup */
    public static SSLContext sslContext(ConsulProperties.TLSConfig tls) {
        KeyManagerFactory keys = null;
        TrustManagerFactory trust = null;
        if (presentsClientCertificate(tls)) {
            char[] password = chars(tls.getCertificatePassword());
            KeyStore store = load("spring.cloud.consul.tls.certificate-path", tls.getCertificatePath(), password);
            try {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, password);
            }
            catch (GeneralSecurityException e) {
                throw new IllegalStateException("spring.cloud.consul.tls.certificate-path " + tls.getCertificatePath()
                        + ": cannot use the client key (check certificate-password): " + e.getMessage(), e);
            }
        }
        if (tls != null && hasText(tls.getKeyStorePath())) {
            KeyStore store = load("spring.cloud.consul.tls.key-store-path", tls.getKeyStorePath(), chars(tls.getKeyStorePassword()));
            try {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
            }
            catch (GeneralSecurityException e) {
                throw new IllegalStateException("spring.cloud.consul.tls.key-store-path " + tls.getKeyStorePath()
                        + ": cannot use the trust store: " + e.getMessage(), e);
            }
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("spring.cloud.consul.tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String property, String path, char[] password) {
        try {
            return KeyStore.getInstance(new File(path), password);
        }
        catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(property + " " + path + ": cannot read the store: " + e.getMessage(), e);
        }
    }

    private static char[] chars(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    private static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }
}
