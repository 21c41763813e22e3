package dev.isthmus.platform.consul;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsulFailureTest {

    @Test
    void aTlsAlertIsATlsFailure() {
        ConsulFailure f = ConsulFailure.ofError(new IOException(new SSLHandshakeException("Received fatal alert: bad_certificate")),
                "agent self", true);
        assertThat(f.kind()).isEqualTo(ConsulFailure.Kind.TLS);
        assertThat(f.getMessage()).contains("bad_certificate");
    }

    @Test
    void aConnectionClosedBeforeAnyAnswerNamesTheClientCertificateWhenOneIsPresented() {
        IOException closed = new IOException("HTTP/1.1 header parser received no bytes");
        ConsulFailure withCertificate = ConsulFailure.ofError(closed, "agent self", true);
        assertThat(withCertificate.kind()).isEqualTo(ConsulFailure.Kind.UNREACHABLE);
        assertThat(withCertificate.getMessage()).contains("connection lost").contains("spring.cloud.consul.tls.certificate-path");

        ConsulFailure without = ConsulFailure.ofError(closed, "agent self", false);
        assertThat(without.kind()).isEqualTo(ConsulFailure.Kind.UNREACHABLE);
        assertThat(without.getMessage()).doesNotContain("certificate");

        assertThat(ConsulFailure.ofError(new EOFException("EOF reached while reading"), "agent self", true).getMessage())
                .contains("client certificate");
    }

    @Test
    void aRefusedConnectionIsAnOutageEvenWithAClientCertificate() {
        ConsulFailure f = ConsulFailure.ofError(new ConnectException("Connection refused"), "agent self", true);
        assertThat(f.kind()).isEqualTo(ConsulFailure.Kind.UNREACHABLE);
        assertThat(f.getMessage()).contains("cannot connect").doesNotContain("certificate");
    }
}
