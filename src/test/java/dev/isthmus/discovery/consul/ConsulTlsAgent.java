package dev.isthmus.discovery.consul;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ManagedProcess;
import dev.isthmus.testsupport.RealInfra;

/**
 * A real Consul agent ({@code -dev}) serving its API over HTTPS with client certificates required
 * ({@code tls.https.verify_incoming}), plus plain HTTP for the test's own registrations. Its CA,
 * server and client certificates come from {@code consul tls ca/cert create}; the client's key
 * store (PKCS12) and the trust store are made with openssl and keytool, as an operator would.
 */
final class ConsulTlsAgent implements AutoCloseable {

    static final String PASSWORD = "changeit";

    private final Path dir;
    private final int httpPort = RealInfra.freePort();
    private final int httpsPort = RealInfra.freePort();
    private ManagedProcess process;

    private ConsulTlsAgent(Path dir) {
        this.dir = dir;
    }

    static ConsulTlsAgent start() throws IOException, InterruptedException {
        Path consul = RealInfra.binary("bin/consul");
        if (consul == null) {
            RealInfra.unavailable("Consul", "no consul binary in " + RealInfra.home().resolve("bin"));
        }
        Path dir = Files.createTempDirectory("isthmus-consul-tls");
        run(dir, consul.toString(), "tls", "ca", "create");
        run(dir, consul.toString(), "tls", "cert", "create", "-server", "-dc", "dc1");
        run(dir, consul.toString(), "tls", "cert", "create", "-client", "-dc", "dc1");
        run(dir, "openssl", "pkcs12", "-export", "-in", "dc1-client-consul-0.pem", "-inkey", "dc1-client-consul-0-key.pem",
                "-out", "client.p12", "-passout", "pass:" + PASSWORD);
        run(dir, "keytool", "-importcert", "-noprompt", "-alias", "consul-ca", "-file", "consul-agent-ca.pem", "-keystore", "trust.p12",
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        // a second CA the agent does not know: trusting only it fails the handshake, and a client
        // certificate it signed is refused by the agent
        Path other = Files.createDirectories(dir.resolve("other"));
        run(other, consul.toString(), "tls", "ca", "create");
        run(other, consul.toString(), "tls", "cert", "create", "-client", "-dc", "dc1");
        run(dir, "keytool", "-importcert", "-noprompt", "-alias", "other-ca", "-file", "other/consul-agent-ca.pem", "-keystore",
                "other-trust.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        run(dir, "openssl", "pkcs12", "-export", "-in", "other/dc1-client-consul-0.pem", "-inkey", "other/dc1-client-consul-0-key.pem",
                "-out", "other-client.p12", "-passout", "pass:" + PASSWORD);
        ConsulTlsAgent agent = new ConsulTlsAgent(dir);
        agent.launch(consul);
        return agent;
    }

    private void launch(Path consul) throws IOException {
        Path hcl = dir.resolve("tls.hcl");
        Files.writeString(hcl, """
                ports { https = %d }
                tls {
                  defaults {
                    ca_file = "%s"
                    cert_file = "%s"
                    key_file = "%s"
                  }
                  https { verify_incoming = true }
                }
                """.formatted(httpsPort, dir.resolve("consul-agent-ca.pem"), dir.resolve("dc1-server-consul-0.pem"),
                dir.resolve("dc1-server-consul-0-key.pem")));
        process = ManagedProcess.start(List.of(consul.toString(), "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1",
                "-advertise", "127.0.0.1", "-http-port", String.valueOf(httpPort), "-dns-port", "-1", "-grpc-port", "-1",
                "-grpc-tls-port", "-1", "-serf-lan-port", String.valueOf(RealInfra.freePort()), "-serf-wan-port",
                String.valueOf(RealInfra.freePort()), "-server-port", String.valueOf(RealInfra.freePort()), "-node", "isthmus-tls",
                "-log-level", "warn", "-config-file", hcl.toString()), dir.resolve("consul.log"), Map.of());
        HttpClient http = HttpClient.newHttpClient();
        boolean up = Await.until(Duration.ofSeconds(30), () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/v1/status/leader")).build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().length() > 4;
            }
            catch (IOException e) {
                return false;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        if (!up) {
            close();
            throw new IllegalStateException("Consul with TLS did not start; see " + dir.resolve("consul.log"));
        }
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("setup.log").toFile()).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(dir.resolve("setup.log")));
        }
    }

    String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    int httpsPort() {
        return httpsPort;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
