package dev.isthmus.deploy;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real X.509 certificates for TLS tests (BouncyCastle, on the test classpath through
 * kube-api-test): a CA, and server certificates it signs, written as the PEM files a
 * kubernetes.io/tls Secret holds.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A server certificate and its key, as PEM text. */
    public record Issued(X509Certificate certificate, String certificatePem, String privateKeyPem) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    /** How the private key is written: PKCS#8, or the traditional per-algorithm form cert-manager writes by default. */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    private final KeyPair caKeys;
    private final X509Certificate ca;

    private TestCertificates(KeyPair caKeys, X509Certificate ca) {
        this.caKeys = caKeys;
        this.ca = ca;
    }

    public static TestCertificates newCa() {
        try {
            KeyPair keys = ec();
            X500Name name = new X500Name("CN=Isthmus Test CA");
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate ca = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new TestCertificates(keys, ca);
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for the DNS names (the first is also the CN), with an EC or RSA key. */
    public Issued issue(List<String> dnsNames, boolean rsa, KeyFormat format) {
        return issue(dnsNames, rsa, format, KeyPurposeId.id_kp_serverAuth);
    }

    /** A client certificate (extended key usage clientAuth) with this CN, for mutual TLS. */
    public Issued issueClient(String commonName, KeyFormat format) {
        return issue(List.of(commonName), false, format, KeyPurposeId.id_kp_clientAuth);
    }

    private Issued issue(List<String> dnsNames, boolean rsa, KeyFormat format, KeyPurposeId purpose) {
        try {
            KeyPair keys = rsa ? rsa() : ec();
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Isthmus Test CA"), BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=" + dnsNames.get(0)), keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
            String key = format == KeyFormat.PKCS8
                    ? "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                            + "\n-----END PRIVATE KEY-----\n"
                    : pem(keys.getPrivate()); // "EC PRIVATE KEY" (SEC1) or "RSA PRIVATE KEY" (PKCS#1)
            // the chain as a Secret's tls.crt carries it: leaf, then the issuer
            return new Issued(cert, pem(cert) + pem(ca), key);
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A client SSLContext that trusts only this CA. */
    public SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    KeyStore trustStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        return ks;
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(w)) {
            writer.writeObject(o);
        }
        return w.toString();
    }

    /**
     * An EC P-256 key pair from BouncyCastle's provider: its keys encode their curve inside the
     * SEC1 structure, as openssl and cert-manager write them. (The JDK's leave it out, and Spring
     * Boot's PEM parser then assumes P-384 for an "EC PRIVATE KEY": the key would not match its
     * certificate.)
     */
    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }
}
