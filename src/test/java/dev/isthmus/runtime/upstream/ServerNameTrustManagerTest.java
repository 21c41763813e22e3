package dev.isthmus.runtime.upstream;

import java.security.cert.CertificateException;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.deploy.TestCertificates;
import dev.isthmus.deploy.TestCertificates.KeyFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerNameTrustManagerTest {

    @Test
    void aWildcardStandsForExactlyTheFirstLabel() {
        assertThat(ServerNameTrustManager.matches("*.example.com", "api.example.com")).isTrue();
        assertThat(ServerNameTrustManager.matches("*.example.com", "a.b.example.com")).isFalse();
        assertThat(ServerNameTrustManager.matches("*.example.com", "example.com")).isFalse();
        assertThat(ServerNameTrustManager.matches("*.com", "example.com")).as("no wildcard over a top-level domain").isFalse();
        assertThat(ServerNameTrustManager.matches("api.example.com", "api.example.com")).isTrue();
        assertThat(ServerNameTrustManager.matches("api.example.com", "api.example.co")).isFalse();
        assertThat(ServerNameTrustManager.matches("a*.example.com", "ab.example.com")).as("partial wildcards are not wildcards").isFalse();
    }

    @Test
    void theServerNameIsTheOnlyIdentityChecked() throws Exception {
        TestCertificates ca = TestCertificates.newCa();
        var forBackend = ca.issue(List.of("backend.test", "*.pods.test"), false, KeyFormat.PKCS8).certificate();
        ServerNameTrustManager exact = new ServerNameTrustManager(null, "Backend.Test");
        exact.checkName(forBackend);
        new ServerNameTrustManager(null, "p1.pods.test").checkName(forBackend);
        assertThatThrownBy(() -> new ServerNameTrustManager(null, "other.test").checkName(forBackend))
                .isInstanceOf(CertificateException.class)
                .hasMessage("the certificate is not for server name other.test (its DNS names: backend.test, *.pods.test)");
        // the subject CN is never an identity: a certificate whose CN alone names the server fails
        var cnOnly = ca.issue(List.of("cn-and-san.test"), false, KeyFormat.PKCS8).certificate();
        assertThatThrownBy(() -> new ServerNameTrustManager(null, "backend.test").checkName(cnOnly)).isInstanceOf(CertificateException.class);
    }
}
