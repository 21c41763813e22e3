package dev.isthmus.testsupport;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslHandler;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.ssl.pem.PemContent;

/**
 * A real Reactor Netty upstream on loopback that answers with what it saw of the connection: the
 * HTTP version, the SNI name, and the client certificate's subject. TLS (HTTP/1.1 and h2 by ALPN,
 * optionally requiring a client certificate from a CA), or h2c with prior knowledge in clear text.
 */
public final class TlsUpstream implements AutoCloseable {

    private final DisposableServer server;
    private final AtomicInteger requests = new AtomicInteger();

    private TlsUpstream(HttpServer configured) {
        this.server = configured.host("127.0.0.1").port(0).handle((req, res) -> {
            requests.incrementAndGet();
            String[] seen = { req.protocol(), "-", "-" };
            req.withConnection(c -> describe(c.channel(), seen));
            return res.header("x-protocol", seen[0]).header("x-sni", seen[1]).header("x-client", seen[2])
                    .sendString(Mono.just("ok " + seen[0])).then();
        }).bindNow();
    }

    /** TLS with this certificate chain and key (PEM); {@code clientCa} non-null requires a client certificate it issued. */
    public static TlsUpstream tls(String chainPem, String keyPem, X509Certificate clientCa) {
        List<X509Certificate> chain = PemContent.of(chainPem).getCertificates();
        PrivateKey key = PemContent.of(keyPem).getPrivateKey();
        Http2SslContextSpec spec = Http2SslContextSpec.forServer(key, chain.toArray(X509Certificate[]::new));
        if (clientCa != null) {
            spec.configure(b -> b.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE));
        }
        return new TlsUpstream(HttpServer.create().protocol(HttpProtocol.HTTP11, HttpProtocol.H2).secure(s -> s.sslContext(spec)));
    }

    /** TLS speaking HTTP/1.1 only (no h2 in ALPN). */
    public static TlsUpstream tlsHttp11(String chainPem, String keyPem) {
        List<X509Certificate> chain = PemContent.of(chainPem).getCertificates();
        PrivateKey key = PemContent.of(keyPem).getPrivateKey();
        Http11SslContextSpec spec = Http11SslContextSpec.forServer(key, chain.toArray(X509Certificate[]::new));
        return new TlsUpstream(HttpServer.create().protocol(HttpProtocol.HTTP11).secure(s -> s.sslContext(spec)));
    }

    /** HTTP/2 in clear text with prior knowledge only, as a gRPC server without TLS listens. */
    public static TlsUpstream h2c() {
        return new TlsUpstream(HttpServer.create().protocol(HttpProtocol.H2C));
    }

    private static void describe(Channel channel, String[] seen) {
        for (Channel c = channel; c != null; c = c.parent()) {
            SslHandler ssl = c.pipeline().get(SslHandler.class);
            if (ssl == null) {
                continue;
            }
            SSLSession session = ssl.engine().getSession();
            if (session instanceof ExtendedSSLSession ext) {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        seen[1] = h.getAsciiName();
                    }
                }
            }
            try {
                if (session.getPeerCertificates().length > 0 && session.getPeerCertificates()[0] instanceof X509Certificate x) {
                    seen[2] = x.getSubjectX500Principal().getName() + " serial " + x.getSerialNumber();
                }
            }
            catch (SSLPeerUnverifiedException e) {
                // no client certificate
            }
            return;
        }
    }

    public int port() {
        return server.port();
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
