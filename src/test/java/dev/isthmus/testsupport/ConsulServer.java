package dev.isthmus.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.testcontainers.consul.ConsulContainer;

/**
 * A real Consul agent on free loopback ports: the binary built by the provisioning script
 * (MPL-2.0 Consul), else a Testcontainers container, else skip/fail ({@link RealInfra}).
 * {@code persistent} agents run as a single-node server with a data directory, so their catalog
 * survives {@link #restart()}; the default is {@code -dev} (in memory). {@link #startDatacenter}
 * names the agent's datacenter, and {@link #joinWan} federates two such agents over WAN on loopback
 * (two datacenters, as {@code consul join -wan}).
 */
public final class ConsulServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final int httpPort;
    private final int serfLan;
    private final int serfWan;
    private final int server;
    private final boolean persistent;
    private final String aclToken;
    /** {@code -datacenter}; null: Consul's default, dc1 */
    private final String datacenter;
    private final Path workDir;
    private ManagedProcess process;
    private ConsulContainer container;

    private ConsulServer(boolean persistent, String aclToken, String datacenter) {
        this.persistent = persistent;
        this.aclToken = aclToken;
        this.datacenter = datacenter;
        this.httpPort = RealInfra.freePort();
        this.serfLan = RealInfra.freePort();
        this.serfWan = RealInfra.freePort();
        this.server = RealInfra.freePort();
        try {
            this.workDir = Files.createTempDirectory("isthmus-consul");
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ConsulServer start() {
        return start(false, null);
    }

    /** @param aclToken when set, ACLs are on with default deny and this initial management token */
    public static ConsulServer start(boolean persistent, String aclToken) {
        return start(persistent, aclToken, null);
    }

    /**
     * A {@code -dev} agent (a server) of datacenter {@code datacenter}: the binary only, since
     * federating over WAN needs each agent's Serf WAN port reachable from the other.
     */
    public static ConsulServer startDatacenter(String datacenter) {
        if (RealInfra.binary("bin/consul") == null) {
            RealInfra.unavailable("Consul", "no consul binary in " + RealInfra.home().resolve("bin") + " (two datacenters need the binary)");
        }
        return start(false, null, datacenter);
    }

    private static ConsulServer start(boolean persistent, String aclToken, String datacenter) {
        ConsulServer s = new ConsulServer(persistent, aclToken, datacenter);
        Path binary = RealInfra.binary("bin/consul");
        if (binary != null) {
            s.startProcess(binary);
        }
        else if (RealInfra.dockerAvailable() && !persistent && aclToken == null) {
            s.container = new ConsulContainer("hashicorp/consul:1.16");
            s.container.start();
        }
        else {
            RealInfra.unavailable("Consul", "no consul binary in " + RealInfra.home().resolve("bin"));
        }
        s.awaitLeader(Duration.ofSeconds(60));
        return s;
    }

    private void startProcess(Path binary) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-bind", "127.0.0.1", "-client", "127.0.0.1",
                "-advertise", "127.0.0.1", "-http-port", String.valueOf(httpPort), "-dns-port", "-1", "-grpc-port", "-1",
                "-grpc-tls-port", "-1", "-serf-lan-port", String.valueOf(serfLan), "-serf-wan-port", String.valueOf(serfWan),
                "-server-port", String.valueOf(server), "-node", datacenter == null ? "isthmus-test" : "isthmus-" + datacenter,
                "-log-level", "warn", "-disable-host-node-id"));
        if (datacenter != null) {
            cmd.addAll(List.of("-datacenter", datacenter, "-advertise-wan", "127.0.0.1"));
        }
        if (persistent) {
            cmd.addAll(List.of("-server", "-bootstrap-expect", "1", "-data-dir", workDir.resolve("data").toString(), "-ui=false"));
        }
        else {
            cmd.add("-dev");
        }
        if (aclToken != null) {
            cmd.addAll(List.of("-hcl", "acl { enabled = true\n default_policy = \"deny\"\n enable_token_persistence = true\n tokens { initial_management = \""
                    + aclToken + "\"\n agent = \"" + aclToken + "\" } }"));
        }
        process = ManagedProcess.start(cmd, workDir.resolve("consul.log"), Map.of());
    }

    private void awaitLeader(Duration timeout) {
        boolean ok = Await.until(timeout, () -> {
            HttpResponse<String> r = send("GET", "/v1/status/leader", null);
            return r.statusCode() == 200 && r.body().length() > 4;
        });
        if (!ok) {
            throw new IllegalStateException("Consul did not elect a leader in " + timeout + "; log: " + tail());
        }
        if (aclToken != null) {
            // the node's own registration needs a moment after bootstrap
            Await.until(Duration.ofSeconds(10), () -> send("GET", "/v1/catalog/nodes", null).statusCode() == 200);
        }
    }

    public int port() {
        return container != null ? container.getMappedPort(8500) : httpPort;
    }

    public String host() {
        return container != null ? container.getHost() : "127.0.0.1";
    }

    public String url() {
        return "http://" + host() + ":" + port();
    }

    public String aclToken() {
        return aclToken;
    }

    /** Stops the agent (SIGKILL: an outage, not a graceful leave). */
    public void kill() {
        if (process != null) {
            process.kill();
        }
        else if (container != null) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
        }
    }

    /** Starts the agent again on the same ports (and, when persistent, the same data). */
    public void restart() {
        if (container != null) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        kill();
        startProcess(RealInfra.binary("bin/consul"));
        awaitLeader(Duration.ofSeconds(60));
    }

    public String datacenter() {
        return datacenter == null ? "dc1" : datacenter;
    }

    /**
     * Joins this agent to {@code other} over WAN ({@code consul join -wan}, through the agent API)
     * and waits until both list both servers as alive WAN members ({@code consul members -wan}).
     */
    public void joinWan(ConsulServer other, Duration timeout) {
        expectOk(send("PUT", "/v1/agent/join/127.0.0.1:" + other.serfWan + "?wan=1", ""));
        boolean joined = Await.until(timeout, () -> aliveWanDatacenters().containsAll(List.of(datacenter(), other.datacenter()))
                && other.aliveWanDatacenters().containsAll(List.of(datacenter(), other.datacenter())));
        if (!joined) {
            throw new IllegalStateException("WAN join of " + datacenter() + " and " + other.datacenter() + " not seen in " + timeout
                    + ": " + aliveWanDatacenters() + " / " + other.aliveWanDatacenters());
        }
        // The servers also need each other's datacenter in their routing tables before ?dc= queries are forwarded.
        boolean routed = Await.until(timeout, () -> send("GET", "/v1/catalog/services?dc=" + other.datacenter(), null).statusCode() == 200
                && other.send("GET", "/v1/catalog/services?dc=" + datacenter(), null).statusCode() == 200);
        if (!routed) {
            throw new IllegalStateException("datacenters " + datacenter() + " and " + other.datacenter() + " joined but do not route to each other");
        }
    }

    /** The datacenters of the alive WAN members ({@code /v1/agent/members?wan=1}; status 1 is alive). */
    public List<String> aliveWanDatacenters() {
        HttpResponse<String> r = send("GET", "/v1/agent/members?wan=1", null);
        if (r.statusCode() != 200) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            for (JsonNode m : JSON.readTree(r.body())) {
                if (m.path("Status").asInt() == 1) {
                    out.add(m.path("Tags").path("dc").asText());
                }
            }
            return out;
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- a minimal agent API client for tests ---

    public void register(String id, String name, String address, int port, List<String> tags, Map<String, String> meta, String ttl) {
        StringBuilder json = new StringBuilder();
        try {
            var body = new java.util.LinkedHashMap<String, Object>();
            body.put("ID", id);
            body.put("Name", name);
            body.put("Address", address);
            body.put("Port", port);
            body.put("Tags", tags == null ? List.of() : tags);
            body.put("Meta", meta == null ? Map.of() : meta);
            if (ttl != null) {
                body.put("Check", Map.of("CheckID", "check:" + id, "TTL", ttl, "Status", "passing",
                        "DeregisterCriticalServiceAfter", "10m"));
            }
            json.append(JSON.writeValueAsString(body));
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        expectOk(send("PUT", "/v1/agent/service/register", json.toString()));
    }

    public void deregister(String id) {
        expectOk(send("PUT", "/v1/agent/service/deregister/" + id, ""));
    }

    public void checkPass(String id) {
        expectOk(send("PUT", "/v1/agent/check/pass/check:" + id, ""));
    }

    public void checkFail(String id) {
        expectOk(send("PUT", "/v1/agent/check/fail/check:" + id, ""));
    }

    public void checkWarn(String id) {
        expectOk(send("PUT", "/v1/agent/check/warn/check:" + id, ""));
    }

    public JsonNode healthyInstances(String service) {
        HttpResponse<String> r = send("GET", "/v1/health/service/" + service + "?passing=true", null);
        expectOk(r);
        try {
            return JSON.readTree(r.body());
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates an ACL token with the given policy rules; returns its secret. */
    public String createToken(String rules) {
        try {
            String policyName = "p" + System.nanoTime();
            expectOk(send("PUT", "/v1/acl/policy", JSON.writeValueAsString(Map.of("Name", policyName, "Rules", rules))));
            HttpResponse<String> r = send("PUT", "/v1/acl/token", JSON.writeValueAsString(Map.of("Policies", List.of(Map.of("Name", policyName)))));
            expectOk(r);
            return JSON.readTree(r.body()).get("SecretID").asText();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (aclToken != null) {
                b.header("X-Consul-Token", aclToken);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            throw new IllegalStateException("Consul request " + method + " " + path + " failed: " + e, e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expectOk(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException("Consul answered " + r.statusCode() + ": " + r.body());
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("consul.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
        catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
        if (container != null) {
            container.stop();
        }
    }
}
