package dev.isthmus.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import dev.isthmus.discovery.DiscoveryPolicy;
import dev.isthmus.runtime.trace.RequestTracing;
import dev.isthmus.spec.NamedPolicy;
import dev.isthmus.spec.Sizes;

/**
 * The gateway's own behaviour ({@code isthmus.*}). Connections reuse Spring Cloud's settings.
 * Validated at start-up: a bad value stops the gateway with the property's name and the rule it breaks.
 */
@ConfigurationProperties("isthmus")
@Validated
public class IsthmusProperties {

    @Valid
    private final File file = new File();
    @Valid
    private final Kubernetes kubernetes = new Kubernetes();
    @Valid
    private final GatewayApi gatewayApi = new GatewayApi();
    @Valid
    private final Consul consul = new Consul();
    @Valid
    private final Discovery discovery = new Discovery();
    @Valid
    private final Upstream upstream = new Upstream();
    @Valid
    private final RateLimit rateLimit = new RateLimit();
    @Valid
    private final Mirror mirror = new Mirror();
    @Valid
    private final Routes routes = new Routes();
    @Valid
    private final Demo demo = new Demo();
    @Valid
    private final AccessLog accessLog = new AccessLog();
    private final Tracing tracing = new Tracing();
    @Valid
    private final Server server = new Server();
    @Valid
    private final Admin admin = new Admin();
    @Valid
    private final Auth auth = new Auth();

    public Auth getAuth() {
        return auth;
    }

    /** Route authentication: the operator's named policies, and the shared parts behind auth.jwt, auth.basic and auth.forward. */
    public static class Auth {
        /**
         * Named access policies of the operator, by name: {auth: {jwt|forward|basic}, ipAllow, ipDeny}, as a routes document's
         * 'policies:' entries. Every route may reference them (auth.policy, or the Consul tag isthmus.auth=<name>).
         */
        private Map<String, NamedPolicy> policies = new LinkedHashMap<>();
        @Valid
        private final Jwks jwks = new Jwks();
        @Valid
        private final Credentials credentials = new Credentials();
        @Valid
        private final Basic basic = new Basic();
        @Valid
        private final Forward forward = new Forward();

        public Map<String, NamedPolicy> getPolicies() {
            return policies;
        }

        public void setPolicies(Map<String, NamedPolicy> policies) {
            this.policies = policies;
        }

        public Jwks getJwks() {
            return jwks;
        }

        public Credentials getCredentials() {
            return credentials;
        }

        public Basic getBasic() {
            return basic;
        }

        public Forward getForward() {
            return forward;
        }

        /** The issuers' signing keys (auth.jwt). */
        public static class Jwks {
            /** Keys older than this are refreshed in the background; requests keep verifying with them meanwhile. */
            @NotNull @DurationMin(seconds = 1)
            private Duration refreshInterval = Duration.ofMinutes(5);
            /** Least time between two fetches of one key set, however many tokens name unknown keys. */
            @NotNull @DurationMin(millis = 1)
            private Duration minRefreshInterval = Duration.ofSeconds(10);
            /** Longest wait for a key set or discovery document. */
            @NotNull @DurationMin(millis = 1)
            private Duration timeout = Duration.ofSeconds(5);

            public Duration getRefreshInterval() {
                return refreshInterval;
            }

            public void setRefreshInterval(Duration refreshInterval) {
                this.refreshInterval = refreshInterval;
            }

            public Duration getMinRefreshInterval() {
                return minRefreshInterval;
            }

            public void setMinRefreshInterval(Duration minRefreshInterval) {
                this.minRefreshInterval = minRefreshInterval;
            }

            public Duration getTimeout() {
                return timeout;
            }

            public void setTimeout(Duration timeout) {
                this.timeout = timeout;
            }
        }

        /** htpasswd sources of auth.basic (Secrets, files). */
        public static class Credentials {
            /** How often referenced Secrets and files are read again (a changed password applies within this time). */
            @NotNull @DurationMin(seconds = 1)
            private Duration refreshInterval = Duration.ofSeconds(30);

            public Duration getRefreshInterval() {
                return refreshInterval;
            }

            public void setRefreshInterval(Duration refreshInterval) {
                this.refreshInterval = refreshInterval;
            }
        }

        /** Password checks of auth.basic (bcrypt). */
        public static class Basic {
            /** Password checks at once, each on a thread of its own pool; 0: one per CPU. */
            @Min(0)
            private int threads = 0;
            /** Checks waiting for a thread; beyond, 503 at once. */
            @Min(1)
            private int maxPending = 64;
            /** How long a checked (user, password) pair is remembered, as a keyed digest, never the password. */
            @NotNull @DurationMin(millis = 1)
            private Duration cacheTtl = Duration.ofMinutes(5);
            /** Most remembered pairs, across all routes. */
            @Min(1)
            private long cacheMaxEntries = 10_000;

            public int getThreads() {
                return threads;
            }

            public void setThreads(int threads) {
                this.threads = threads;
            }

            public int getMaxPending() {
                return maxPending;
            }

            public void setMaxPending(int maxPending) {
                this.maxPending = maxPending;
            }

            public Duration getCacheTtl() {
                return cacheTtl;
            }

            public void setCacheTtl(Duration cacheTtl) {
                this.cacheTtl = cacheTtl;
            }

            public long getCacheMaxEntries() {
                return cacheMaxEntries;
            }

            public void setCacheMaxEntries(long cacheMaxEntries) {
                this.cacheMaxEntries = cacheMaxEntries;
            }
        }

        /** External authorization (auth.forward). */
        public static class Forward {
            /** Most cached answers (routes with auth.forward.cacheTtl), across all routes; keys are digests of the credentials. */
            @Min(1)
            private long cacheMaxEntries = 10_000;
            /** Most of a denial's body passed from the authorization service to the client; the rest is dropped. */
            @Min(0)
            private int maxDenialBodyBytes = 16_384;

            public long getCacheMaxEntries() {
                return cacheMaxEntries;
            }

            public void setCacheMaxEntries(long cacheMaxEntries) {
                this.cacheMaxEntries = cacheMaxEntries;
            }

            public int getMaxDenialBodyBytes() {
                return maxDenialBodyBytes;
            }

            public void setMaxDenialBodyBytes(int maxDenialBodyBytes) {
                this.maxDenialBodyBytes = maxDenialBodyBytes;
            }
        }
    }

    public Admin getAdmin() {
        return admin;
    }

    /** The admin port (management.server.port, bound to management.server.address). */
    public static class Admin {
        private final Auth auth = new Auth();

        public Auth getAuth() {
            return auth;
        }

        /**
         * Optional authentication of the admin endpoints and the diagnostics page: on when either file is set. The probe
         * groups (/actuator/health/liveness, /readiness) stay open; /actuator/health shows details only when authenticated.
         */
        public static class Auth {
            /** File holding a bearer token (e.g. a Secret mount); requests with 'Authorization: Bearer <token>' are admitted. Re-read when it changes. */
            private String bearerTokenFile;
            /** File of 'user:password' lines (e.g. a Secret mount) for HTTP basic authentication, as browsers use on the diagnostics page. Re-read when it changes. */
            private String basicCredentialsFile;

            public String getBearerTokenFile() {
                return bearerTokenFile;
            }

            public void setBearerTokenFile(String bearerTokenFile) {
                this.bearerTokenFile = bearerTokenFile;
            }

            public String getBasicCredentialsFile() {
                return basicCredentialsFile;
            }

            public void setBasicCredentialsFile(String basicCredentialsFile) {
                this.basicCredentialsFile = basicCredentialsFile;
            }
        }
    }

    public Server getServer() {
        return server;
    }

    /**
     * Who the client is, and protections of the gateway port against slow and abusive clients
     * (with server.netty.idle-timeout and server.max-http-request-header-size).
     */
    public static class Server {
        /**
         * Longest time a request's headers may take: from a new connection to the end of its first request's headers, and
         * from the first byte of every later request (HTTP/1.1) or header block (HTTP/2) to its end; then 408 (HTTP/1.1)
         * and close.
         */
        @NotNull @DurationMin(millis = 1)
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        /** Longest silence between two reads of a request body. */
        @NotNull @DurationMin(millis = 1)
        private Duration readTimeout = Duration.ofSeconds(60);
        /**
         * Proxies (IP addresses or CIDRs) whose X-Forwarded-For and Forwarded headers are believed: the client is the
         * right-most address in the chain that is not one of them. Empty: the connection's peer is the client, whatever
         * the headers say.
         */
        private List<String> trustedProxies = new ArrayList<>();
        @Valid
        private final ProxyProtocol proxyProtocol = new ProxyProtocol();
        @Valid
        private final Http2 http2 = new Http2();

        /** PROXY protocol v1/v2 on the gateway port, from load balancers that send it (NLB, F5, HAProxy, MetalLB with a proxy in front). */
        public static class ProxyProtocol {
            /** Accept a PROXY protocol header (v1 or v2) at the start of connections from trusted-cidrs; its source address is the client's. */
            private boolean enabled = false;
            /** Load balancers (IP addresses or CIDRs) whose PROXY protocol header is believed; required when enabled. From any other peer a PROXY header is refused (400). */
            private List<String> trustedCidrs = new ArrayList<>();

            public boolean isEnabled() {
                return enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public List<String> getTrustedCidrs() {
                return trustedCidrs;
            }

            public void setTrustedCidrs(List<String> trustedCidrs) {
                this.trustedCidrs = trustedCidrs;
            }
        }

        /** HTTP/2 on the gateway port (server.http2.enabled). */
        public static class Http2 {
            /** Most streams a client may have open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused. */
            @Min(1)
            private long maxConcurrentStreams = 100;
            /** Honour 'Upgrade: h2c' from HTTP/1.1 in clear text. Off: such requests are served as HTTP/1.1; h2c with prior knowledge is always accepted. */
            private boolean h2cUpgrade = false;

            public long getMaxConcurrentStreams() {
                return maxConcurrentStreams;
            }

            public void setMaxConcurrentStreams(long maxConcurrentStreams) {
                this.maxConcurrentStreams = maxConcurrentStreams;
            }

            public boolean isH2cUpgrade() {
                return h2cUpgrade;
            }

            public void setH2cUpgrade(boolean h2cUpgrade) {
                this.h2cUpgrade = h2cUpgrade;
            }
        }

        public List<String> getTrustedProxies() {
            return trustedProxies;
        }

        public void setTrustedProxies(List<String> trustedProxies) {
            this.trustedProxies = trustedProxies;
        }

        public ProxyProtocol getProxyProtocol() {
            return proxyProtocol;
        }

        public Http2 getHttp2() {
            return http2;
        }

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

    public Tracing getTracing() {
        return tracing;
    }

    /**
     * Request tracing, on when management.opentelemetry.tracing.export.otlp.endpoint is set
     * (sampling: management.tracing.sampling.probability).
     */
    public static class Tracing {
        /**
         * Whose incoming W3C trace context (traceparent) becomes the parent of the gateway's span:
         * trusted-proxies (peers in isthmus.server.trusted-proxies), any, or none. Any other
         * client's valid traceparent is recorded as a span link, and the gateway starts a trace of its own.
         */
        private RequestTracing.ClientContext clientContext = RequestTracing.ClientContext.TRUSTED_PROXIES;

        public RequestTracing.ClientContext getClientContext() {
            return clientContext;
        }

        public void setClientContext(RequestTracing.ClientContext clientContext) {
            this.clientContext = clientContext;
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

    public GatewayApi getGatewayApi() {
        return gatewayApi;
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

    public Routes getRoutes() {
        return routes;
    }

    /** Defaults for every route, whatever its source. */
    public static class Routes {
        /**
         * Largest request body of a route without its own maxRequestBody; larger ones get 413. 10MB: bigger than
         * any ordinary JSON or form post, small enough that a client cannot stream gigabytes at a backend that
         * never asked for them. The gateway never buffers a body to enforce it (it counts bytes as they pass),
         * so the default costs no memory. At most 64GB, the ceiling of a route's own maxRequestBody.
         */
        @NotNull
        private DataSize maxRequestBody = DataSize.ofMegabytes(10);

        public DataSize getMaxRequestBody() {
            return maxRequestBody;
        }

        public void setMaxRequestBody(DataSize maxRequestBody) {
            this.maxRequestBody = maxRequestBody;
        }

        @AssertTrue(message = "max-request-body must be from 0 to 64GB")
        public boolean isMaxRequestBodyInRange() {
            return maxRequestBody == null || !maxRequestBody.isNegative() && maxRequestBody.toBytes() <= Sizes.MAX_REQUEST_BODY;
        }
    }

    public Demo getDemo() {
        return demo;
    }

    /** The local routes file. */
    public static class File {
        /** Whether routes are read from the routes file. */
        private boolean enabled = true;
        /** The routes file; edits apply live. Relative paths resolve against the working directory. */
        @NotBlank
        private String path = "config/routes.yaml";
        /** Quiet time after a change notification before the file is read, so multi-step saves are read once. */
        @NotNull
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
        /** The status writer's Lease unless isthmus.kubernetes.lease-name says otherwise (with the gateway class as a suffix). */
        public static final String DEFAULT_LEASE_NAME = "isthmus-status-writer";

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
        private String leaseName = DEFAULT_LEASE_NAME;
        /** Namespace of the Lease; default: the gateway's own namespace. */
        private String leaseNamespace;
        /** How long a leader's lease lasts without renewal. */
        @NotNull @DurationMin(seconds = 1)
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

    /**
     * The Kubernetes Gateway API source (docs/kubernetes.md): which GatewayClasses this deployment
     * serves, and the data plane its Gateways' listeners map onto. Needs isthmus.kubernetes.enabled
     * (the client, the namespaces watched, the status writer election).
     */
    public static class GatewayApi {
        /** The controller name GatewayClasses name to be served by Isthmus, unless configured otherwise. */
        public static final String DEFAULT_CONTROLLER_NAME = "isthmus.dev/gateway-controller";
        /** The Gateway API's GatewayController format: a domain prefix, a slash, a path. */
        static final String CONTROLLER_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+$";
        static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
        static final String SECRET_REF = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$";

        /** Serve Gateway API GatewayClasses, Gateways and HTTPRoutes (needs the Gateway API CRDs installed and isthmus.kubernetes.enabled). */
        private boolean enabled = false;
        /** GatewayClasses whose spec.controllerName is this are served by this deployment. */
        @NotBlank @Size(max = 253) @Pattern(regexp = CONTROLLER_NAME, message = "must be a domain-prefixed path, e.g. example.com/gateway-controller")
        private String controllerName = DEFAULT_CONTROLLER_NAME;
        /** The Service port of plain-HTTP listeners: HTTP listeners on this port are served on the gateway's plain-HTTP port; 0 when it serves none (TLS only). */
        @Min(0) @Max(65535)
        private int httpPort = 80;
        /** The Service port of HTTPS listeners: served on the gateway's TLS port; 0 when it terminates no TLS. */
        @Min(0) @Max(65535)
        private int httpsPort = 0;
        /** Secrets (namespace/name) whose certificates the gateway serves from mounted files (SSL bundles); HTTPS listeners may reference only these. */
        private List<@NotNull @Pattern(regexp = SECRET_REF, message = "must be namespace/name") String> tlsSecrets = new ArrayList<>();
        /** The gateway's own Service (in its namespace), whose load-balancer ingress (else cluster IP) is every served Gateway's status.addresses. */
        @Pattern(regexp = DNS_LABEL, message = "must be a Service name (a DNS label)")
        private String serviceName;
        /** Fixed addresses for status.addresses instead (e.g. the VIP of a hardware load balancer in front of NodePorts). */
        private List<@NotBlank String> addresses = new ArrayList<>();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getControllerName() {
            return controllerName;
        }

        public void setControllerName(String controllerName) {
            this.controllerName = controllerName;
        }

        public int getHttpPort() {
            return httpPort;
        }

        public void setHttpPort(int httpPort) {
            this.httpPort = httpPort;
        }

        public int getHttpsPort() {
            return httpsPort;
        }

        public void setHttpsPort(int httpsPort) {
            this.httpsPort = httpsPort;
        }

        public List<String> getTlsSecrets() {
            return tlsSecrets;
        }

        public void setTlsSecrets(List<String> tlsSecrets) {
            this.tlsSecrets = tlsSecrets;
        }

        public String getServiceName() {
            return serviceName;
        }

        public void setServiceName(String serviceName) {
            this.serviceName = serviceName;
        }

        public List<String> getAddresses() {
            return addresses;
        }

        public void setAddresses(List<String> addresses) {
            this.addresses = addresses;
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
        @Valid
        private Failover failover = new Failover();
        /** Also route to instances whose checks are 'warning'. */
        private boolean acceptWarning = false;
        /** Longest time a blocking query waits for a change before Consul answers anyway; 1s-10m (Consul's limit). */
        @NotNull @DurationMin(seconds = 1) @DurationMax(minutes = 10)
        private Duration wait = Duration.ofMinutes(5);
        /** First retry delay after a Consul error; doubles up to max-backoff. */
        @NotNull @DurationMin(millis = 1)
        private Duration minBackoff = Duration.ofMillis(250);
        /** Longest retry delay after Consul errors. */
        @NotNull @DurationMin(millis = 1)
        private Duration maxBackoff = Duration.ofSeconds(30);
        /** Route verdicts written back to Consul KV for the services that declare tag routes. */
        @Valid
        private Status status = new Status();

        public Status getStatus() {
            return status;
        }

        public void setStatus(Status status) {
            this.status = status;
        }

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

        public Failover getFailover() {
            return failover;
        }

        public void setFailover(Failover failover) {
            this.failover = failover;
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

    /** Verdicts on Consul tag routes, written to Consul KV for the services' owners (docs/consul.md). */
    public static class Status {
        /** Write each tag-routed service's verdict to Consul KV at prefix/datacenter/service (by the elected status writer only). */
        private boolean enabled = true;
        /** KV prefix of the verdicts: key segments separated by '/', without leading or trailing '/'. */
        @NotNull
        @Pattern(regexp = "[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", message = "must be KV key segments (letters, digits, '.', '_', '-') separated by '/', without a leading or trailing '/'")
        private String prefix = "isthmus/status";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }
    }

    /** Cross-datacenter failover of Consul services named without a datacenter. */
    public static class Failover {
        /**
         * Datacenters, in order, that answer for a service named without a datacenter while the default
         * datacenter has no routable instance; each one of isthmus.consul.datacenters other than the first.
         * Empty: no failover.
         */
        private List<String> datacenters = new ArrayList<>();

        public List<String> getDatacenters() {
            return datacenters;
        }

        public void setDatacenters(List<String> datacenters) {
            this.datacenters = datacenters;
        }
    }

    /** How unqualified service names resolve. */
    public static class Discovery {
        /** prefer-kubernetes, prefer-consul, merge or failover. */
        @NotNull
        private DiscoveryPolicy policy = DiscoveryPolicy.PREFER_KUBERNETES;

        public DiscoveryPolicy getPolicy() {
            return policy;
        }

        public void setPolicy(DiscoveryPolicy policy) {
            this.policy = policy;
        }
    }

    /** Passive health checking of upstream instances. */
    public static class Upstream {
        /** Consecutive connect failures or 502/503/504 answers that eject an instance. */
        @Min(1)
        private int consecutiveFailures = 5;
        /** First ejection period; multiplied by the number of times the instance has been ejected, up to 10x. */
        @NotNull @DurationMin(millis = 1)
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        /** Most of a backend's instances that may be ejected at once, in percent. */
        @Min(0) @Max(100)
        private int maxEjectionPercent = 50;
        /** Bulkhead: most requests in flight to one upstream (service or URL) from this replica; beyond it, 503 at once. */
        @Min(1)
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

        @Valid
        private final UpstreamTls tls = new UpstreamTls();

        public UpstreamTls getTls() {
            return tls;
        }
    }

    /** TLS from the gateway to backends with their own TLS (backends[].tls, Consul isthmus.tls, protocol h2). */
    public static class UpstreamTls {
        /** PEM CA certificates that verify backends naming no CA of their own (and every Consul tag route); unset: the JVM's trust store. */
        private String caFile;
        /** PEM certificate chain the gateway presents to backends that ask for one and name no client certificate of their own. */
        private String clientCertificateFile;
        /** The private key of client-certificate-file (PKCS#8, PKCS#1 or SEC1 PEM). */
        private String clientKeyFile;
        /** How often CA files, client certificates and their Secrets are read again; a change rebuilds the context for new connections. */
        @NotNull @DurationMin(millis = 100)
        private Duration reloadInterval = Duration.ofSeconds(10);

        public String getCaFile() {
            return caFile;
        }

        public void setCaFile(String caFile) {
            this.caFile = caFile;
        }

        public String getClientCertificateFile() {
            return clientCertificateFile;
        }

        public void setClientCertificateFile(String clientCertificateFile) {
            this.clientCertificateFile = clientCertificateFile;
        }

        public String getClientKeyFile() {
            return clientKeyFile;
        }

        public void setClientKeyFile(String clientKeyFile) {
            this.clientKeyFile = clientKeyFile;
        }

        public Duration getReloadInterval() {
            return reloadInterval;
        }

        public void setReloadInterval(Duration reloadInterval) {
            this.reloadInterval = reloadInterval;
        }

        /** Both or neither of the client certificate and its key. */
        @jakarta.validation.constraints.AssertTrue(message = "client-certificate-file and client-key-file go together")
        public boolean isClientCertificateComplete() {
            return (clientCertificateFile == null) == (clientKeyFile == null);
        }
    }

    /** Rate limiting. */
    public static class RateLimit {
        /**
         * Most client keys the local scope tracks at once, across all routes (about 200 bytes each, whatever the key). Idle
         * keys are dropped once their bucket is full again; beyond the bound, keys without a bucket share one bucket per
         * route, so they are limited together, never let through.
         */
        @Min(1)
        private int maxKeys = 100_000;
        /** With scope redis and Redis unreachable: allow requests (true) or answer 503 (false). */
        private boolean redisFailOpen = true;
        /** Longest wait for Redis per rate-limited request before failing open or closed. */
        @NotNull @DurationMin(millis = 1)
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
        /**
         * Most mirrored requests in flight at once; beyond it, requests are not mirrored. Each holds its body (up to
         * max-body-bytes, twice while it is copied): 32 x 1 MiB x 2 = 64 MiB of heap at most by default.
         */
        @Min(1)
        private int maxInFlight = 32;
        /** Largest request body mirrored. */
        @Min(0)
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
        @Min(0) @Max(65535)
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
