package dev.isthmus.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The gateway's own behaviour ({@code isthmus.*}). Connections reuse Spring Cloud's settings. */
@ConfigurationProperties("isthmus")
public class IsthmusProperties {

    private final File file = new File();
    private final Kubernetes kubernetes = new Kubernetes();
    private final Consul consul = new Consul();
    private final Discovery discovery = new Discovery();
    private final Upstream upstream = new Upstream();
    private final RateLimit rateLimit = new RateLimit();
    private final Mirror mirror = new Mirror();
    private final Demo demo = new Demo();
    private final AccessLog accessLog = new AccessLog();
    private final Server server = new Server();

    public Server getServer() {
        return server;
    }

    /** Protections of the gateway port against slow and abusive clients (with server.netty.* and server.max-http-request-header-size). */
    public static class Server {
        /** Longest time from a new connection to the end of its first request's headers; then 408 and close. */
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        /** Longest silence between two reads of a request body. */
        private Duration readTimeout = Duration.ofSeconds(60);

        public Duration getRequestHeaderTimeout() {
            return requestHeaderTimeout;
        }

        public void setRequestHeaderTimeout(Duration requestHeaderTimeout) {
            this.requestHeaderTimeout = requestHeaderTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }
    }

    public AccessLog getAccessLog() {
        return accessLog;
    }

    /** Per-request access log on the logger isthmus.access. */
    public static class AccessLog {
        /** Log one event per gateway request (method, path without query, status, duration, route, upstream, client). */
        private boolean enabled = false;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public File getFile() {
        return file;
    }

    public Kubernetes getKubernetes() {
        return kubernetes;
    }

    public Consul getConsul() {
        return consul;
    }

    public Discovery getDiscovery() {
        return discovery;
    }

    public Upstream getUpstream() {
        return upstream;
    }

    public RateLimit getRateLimit() {
        return rateLimit;
    }

    public Mirror getMirror() {
        return mirror;
    }

    public Demo getDemo() {
        return demo;
    }

    /** The local routes file. */
    public static class File {
        /** Whether routes are read from the routes file. */
        private boolean enabled = true;
        /** The routes file; edits apply live. Relative paths resolve against the working directory. */
        private String path = "config/routes.yaml";
        /** Quiet time after a change notification before the file is read, so multi-step saves are read once. */
        private Duration settleDelay = Duration.ofMillis(50);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public Duration getSettleDelay() {
            return settleDelay;
        }

        public void setSettleDelay(Duration settleDelay) {
            this.settleDelay = settleDelay;
        }
    }

    /** GatewayRoutes, route ConfigMaps and EndpointSlice discovery. */
    public static class Kubernetes {
        /** Whether to watch the Kubernetes API (connection: spring.cloud.kubernetes.client.*). */
        private boolean enabled = false;
        /** Namespaces to watch; empty means all namespaces. */
        private List<String> namespaces = new ArrayList<>();
        /** Serve only routes whose gatewayClassName (or isthmus.dev/gateway-class annotation) is this; empty serves routes without a class. */
        private String gatewayClass;
        /** Namespace of unqualified services in routes from the file or Consul; default: the gateway's own namespace in a cluster, else 'default'. */
        private String defaultNamespace;
        /** Whether this replica takes part in the leader election for writing route status. */
        private boolean statusWriter = true;
        /** The Lease used to elect the status writer. */
        private String leaseName = "isthmus-status-writer";
        /** Namespace of the Lease; default: the gateway's own namespace. */
        private String leaseNamespace;
        /** How long a leader's lease lasts without renewal. */
        private Duration leaseDuration = Duration.ofSeconds(15);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getNamespaces() {
            return namespaces;
        }

        public void setNamespaces(List<String> namespaces) {
            this.namespaces = namespaces;
        }

        public String getGatewayClass() {
            return gatewayClass;
        }

        public void setGatewayClass(String gatewayClass) {
            this.gatewayClass = gatewayClass;
        }

        public String getDefaultNamespace() {
            return defaultNamespace;
        }

        public void setDefaultNamespace(String defaultNamespace) {
            this.defaultNamespace = defaultNamespace;
        }

        public boolean isStatusWriter() {
            return statusWriter;
        }

        public void setStatusWriter(boolean statusWriter) {
            this.statusWriter = statusWriter;
        }

        public String getLeaseName() {
            return leaseName;
        }

        public void setLeaseName(String leaseName) {
            this.leaseName = leaseName;
        }

        public String getLeaseNamespace() {
            return leaseNamespace;
        }

        public void setLeaseNamespace(String leaseNamespace) {
            this.leaseNamespace = leaseNamespace;
        }

        public Duration getLeaseDuration() {
            return leaseDuration;
        }

        public void setLeaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
        }
    }

    /** Consul catalog and health watch, and routes from service tags. */
    public static class Consul {
        /** Whether to watch Consul (connection: spring.cloud.consul.host/port/scheme/token/tls). */
        private boolean enabled = false;
        /** Give every service a route, not only those tagged isthmus.enable=true. */
        private boolean exposeByDefault = false;
        /** Datacenters to watch; empty means the agent's own. */
        private List<String> datacenters = new ArrayList<>();
        /** Also route to instances whose checks are 'warning'. */
        private boolean acceptWarning = false;
        /** Longest time a blocking query waits for a change before Consul answers anyway. */
        private Duration wait = Duration.ofMinutes(5);
        /** First retry delay after a Consul error; doubles up to max-backoff. */
        private Duration minBackoff = Duration.ofMillis(250);
        /** Longest retry delay after Consul errors. */
        private Duration maxBackoff = Duration.ofSeconds(30);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isExposeByDefault() {
            return exposeByDefault;
        }

        public void setExposeByDefault(boolean exposeByDefault) {
            this.exposeByDefault = exposeByDefault;
        }

        public List<String> getDatacenters() {
            return datacenters;
        }

        public void setDatacenters(List<String> datacenters) {
            this.datacenters = datacenters;
        }

        public boolean isAcceptWarning() {
            return acceptWarning;
        }

        public void setAcceptWarning(boolean acceptWarning) {
            this.acceptWarning = acceptWarning;
        }

        public Duration getWait() {
            return wait;
        }

        public void setWait(Duration wait) {
            this.wait = wait;
        }

        public Duration getMinBackoff() {
            return minBackoff;
        }

        public void setMinBackoff(Duration minBackoff) {
            this.minBackoff = minBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }
    }

    /** How unqualified service names resolve. */
    public static class Discovery {
        /** prefer-kubernetes, prefer-consul, merge or failover. */
        private DiscoveryPolicy policy = DiscoveryPolicy.PREFER_KUBERNETES;

        public DiscoveryPolicy getPolicy() {
            return policy;
        }

        public void setPolicy(DiscoveryPolicy policy) {
            this.policy = policy;
        }
    }

    /** Resolution policies for unqualified service names (docs/design.md §3.4). */
    public enum DiscoveryPolicy {
        /** Kubernetes when it knows the service, else Consul. */
        PREFER_KUBERNETES,
        /** Consul when it knows the service, else Kubernetes. */
        PREFER_CONSUL,
        /** All healthy instances from both. */
        MERGE,
        /** Kubernetes' healthy instances, or Consul's when Kubernetes has none. */
        FAILOVER
    }

    /** Passive health checking of upstream instances. */
    public static class Upstream {
        /** Consecutive connect failures or 502/503/504 answers that eject an instance. */
        private int consecutiveFailures = 5;
        /** First ejection period; multiplied by the number of times the instance has been ejected, up to 10x. */
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        /** Most of a backend's instances that may be ejected at once, in percent. */
        private int maxEjectionPercent = 50;
        /** Bulkhead: most requests in flight to one upstream (service or URL) from this replica; beyond it, 503 at once. */
        private int maxConcurrentRequests = 1024;

        public int getMaxConcurrentRequests() {
            return maxConcurrentRequests;
        }

        public void setMaxConcurrentRequests(int maxConcurrentRequests) {
            this.maxConcurrentRequests = maxConcurrentRequests;
        }

        public int getConsecutiveFailures() {
            return consecutiveFailures;
        }

        public void setConsecutiveFailures(int consecutiveFailures) {
            this.consecutiveFailures = consecutiveFailures;
        }

        public Duration getBaseEjectionTime() {
            return baseEjectionTime;
        }

        public void setBaseEjectionTime(Duration baseEjectionTime) {
            this.baseEjectionTime = baseEjectionTime;
        }

        public int getMaxEjectionPercent() {
            return maxEjectionPercent;
        }

        public void setMaxEjectionPercent(int maxEjectionPercent) {
            this.maxEjectionPercent = maxEjectionPercent;
        }
    }

    /** Rate limiting. */
    public static class RateLimit {
        /** Most client keys tracked per route by the local scope; beyond it, new keys are not limited. */
        private int maxKeys = 100_000;
        /** With scope redis and Redis unreachable: allow requests (true) or answer 503 (false). */
        private boolean redisFailOpen = true;
        /** Longest wait for Redis per rate-limited request before failing open or closed. */
        private Duration redisTimeout = Duration.ofMillis(250);

        public Duration getRedisTimeout() {
            return redisTimeout;
        }

        public void setRedisTimeout(Duration redisTimeout) {
            this.redisTimeout = redisTimeout;
        }

        public int getMaxKeys() {
            return maxKeys;
        }

        public void setMaxKeys(int maxKeys) {
            this.maxKeys = maxKeys;
        }

        public boolean isRedisFailOpen() {
            return redisFailOpen;
        }

        public void setRedisFailOpen(boolean redisFailOpen) {
            this.redisFailOpen = redisFailOpen;
        }
    }

    /** Request mirroring. */
    public static class Mirror {
        /** Most mirrored requests in flight at once; beyond it, requests are not mirrored. */
        private int maxInFlight = 256;
        /** Largest request body mirrored. */
        private int maxBodyBytes = 1_048_576;

        public int getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public int getMaxBodyBytes() {
            return maxBodyBytes;
        }

        public void setMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
        }
    }

    /** A built-in echo server for trying the gateway locally; never on in the jar's defaults. */
    public static class Demo {
        /** Start the demo upstream. */
        private boolean enabled = false;
        /** Its port on 127.0.0.1. */
        private int port = 9090;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }
    }
}
