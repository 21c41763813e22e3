package dev.isthmus.infra;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The network namespace that Kubernetes discovery tests put their upstreams in: reachable from the
 * test JVM at an address inside it (never one of this machine's own), carrying HTTP both ways,
 * refusing connections once a server is killed, and removed again, also when left by a killed JVM.
 */
class NetworkNamespaceIT {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void anUpstreamInTheNamespaceAnswersAtTheNamespacesAddressAndIsRefusedOnceKilled() throws Exception {
        TestNetwork network = TestNetwork.shared();
        assertThat(network.address()).startsWith("10.244.");
        // the namespace's address is not one of this machine's: the kernel routes it over the test's veth
        assertThat(ip("route", "get", network.address())).contains("dev isth" + ProcessHandle.current().pid());
        assertThat(ip("-4", "-o", "addr", "show")).doesNotContain(" " + network.address() + "/");
        assertThat(ip("-n", network.namespace(), "-4", "-o", "addr", "show")).contains(network.address() + "/30");

        EchoServer server = EchoServer.start("in-namespace", network);
        try {
            assertThat(server.host()).isEqualTo(network.address());
            String body = "x".repeat(200_000);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/a?b=c"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).header("X-Test", "1").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Upstream")).contains("in-namespace");
            assertThat(server.last().uri()).isEqualTo("/a?b=c");
            assertThat(server.last().body()).isEqualTo(body);
            assertThat(server.last().header("X-Test")).isEqualTo("1");
            for (int i = 0; i < 20; i++) { // keep-alive connections through the relay
                assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/" + i)).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()).isEqualTo(200);
            }
            assertThat(server.count()).isEqualTo(21);
        }
        finally {
            server.kill();
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(network.address(), server.port()), 2000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void aNamespaceLeftByAKilledJvmIsRemovedByTheNextOne() throws Exception {
        TestNetwork mine = TestNetwork.shared();
        // a pid that is not running: what a JVM killed with SIGKILL leaves behind
        long dead = 4_000_000 + (ProcessHandle.current().pid() % 100_000);
        assertThat(ProcessHandle.of(dead)).isEmpty();
        ip("netns", "add", "isthmus-test-" + dead);
        ip("link", "add", "isth" + dead, "type", "veth", "peer", "name", "veth0", "netns", "isthmus-test-" + dead);
        assertThat(ip("netns", "list")).contains("isthmus-test-" + dead);
        TestNetwork.removeStaleNamespaces(); // what creating a namespace does first
        assertThat(ip("netns", "list")).doesNotContain("isthmus-test-" + dead).contains(mine.namespace());
        assertThat(ip("link", "show")).doesNotContain("isth" + dead + "@");
    }

    static String ip(String... args) throws IOException, InterruptedException {
        var cmd = new java.util.ArrayList<String>(java.util.List.of("ip"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", cmd, out).isZero();
        return out;
    }
}
