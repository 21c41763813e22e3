package dev.isthmus.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.KubeApiServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The chart's RBAC is sufficient and minimal, proved on a real kube-apiserver (RBAC authorization
 * mode): the chart of an example is applied, a token is requested for its ServiceAccount
 * (TokenRequest API), and a client authenticated with that token does everything the gateway
 * needs (informers' list and watch, GatewayRoute status writes, Events, leader election through
 * fabric8's LeaderElector on the Lease) while everything else it might be tempted to do is
 * refused with 403.
 */
class HelmRbacIT {

    static final ResourceDefinitionContext GATEWAY_ROUTES = new ResourceDefinitionContext.Builder().withGroup("isthmus.dev")
            .withVersion("v1alpha1").withKind("GatewayRoute").withPlural("gatewayroutes").withNamespaced(true).build();

    private static Helm helm;
    private static KubeApiServer api;
    private static KubernetesClient admin;

    @BeforeAll
    static void setUp() {
        helm = Helm.require();
        api = KubeApiServer.shared();
        admin = api.client();
    }

    @AfterAll
    static void tearDown() {
        if (admin != null) {
            admin.close();
        }
    }

    /** One example installed, and a client acting as its ServiceAccount. */
    private record Installed(String namespace, String serviceAccount, String user, String leaseName, List<String> watched,
            KubernetesClient gateway) {
    }

    private Installed install(ChartInstall install, Path example, String namespace) {
        return install(install, example, namespace, Map.of());
    }

    private Installed install(ChartInstall install, Path example, String namespace, Map<String, String> sets) {
        Manifests m = Manifests.parse(helm.template("isthmus", namespace, List.of(example), sets).orFail("helm template").output());
        JsonNode kubernetes = m.applicationConfig().path("isthmus").path("kubernetes");
        List<String> watched = new ArrayList<>();
        kubernetes.path("namespaces").forEach(n -> watched.add(n.asText()));
        install.namespace(namespace);
        watched.forEach(install::namespace);
        install.apply(m.yaml());

        String sa = m.one("ServiceAccount").path("metadata").path("name").asText();
        String token = admin.serviceAccounts().inNamespace(namespace).withName(sa)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
        Config adminConfig = api.clientConfig();
        Config asServiceAccount = new ConfigBuilder(Config.empty()).withMasterUrl(adminConfig.getMasterUrl())
                .withCaCertData(adminConfig.getCaCertData()).withCaCertFile(adminConfig.getCaCertFile())
                .withTrustCerts(adminConfig.isTrustCerts()).withOauthToken(token).withRequestTimeout(20_000).build();
        KubernetesClient gateway = new KubernetesClientBuilder().withConfig(asServiceAccount).build();
        String user = "system:serviceaccount:" + namespace + ":" + sa;
        SelfSubjectReview self = gateway.authentication().v1().selfSubjectReviews().create(new SelfSubjectReview());
        assertThat(self.getStatus().getUserInfo().getUsername()).as("authenticated as the chart's ServiceAccount").isEqualTo(user);
        return new Installed(namespace, sa, user, kubernetes.path("lease-name").asText(), watched, gateway);
    }

    @Test
    void clusterWideExampleCanDoWhatTheGatewayNeedsAndNothingElse() throws Exception {
        try (ChartInstall install = new ChartInstall(admin)) {
            Installed gw = install(install, Helm.EXAMPLES.resolve("public-cloud.yaml"), "rbac-cloud");
            try (KubernetesClient sa = gw.gateway()) {
                assertThat(gw.watched()).isEmpty();
                install.namespace("rbac-cloud-apps");
                watchesEverythingItReads(sa, null, "rbac-cloud-apps");
                writesRouteStatusAndEvents(sa, "rbac-cloud-apps");
                electsTheStatusWriter(sa, gw);
                refusesTheRest(sa, gw, "rbac-cloud-apps");
            }
        }
    }

    @Test
    void namespaceRestrictedExampleCanDoWhatTheGatewayNeedsOnlyInItsNamespaces() throws Exception {
        try (ChartInstall install = new ChartInstall(admin)) {
            Installed gw = install(install, Helm.EXAMPLES.resolve("hybrid-consul.yaml"), "rbac-hybrid");
            try (KubernetesClient sa = gw.gateway()) {
                assertThat(gw.watched()).containsExactly("shop", "payments");
                for (String ns : gw.watched()) {
                    watchesEverythingItReads(sa, ns, ns);
                    writesRouteStatusAndEvents(sa, ns);
                }
                electsTheStatusWriter(sa, gw);
                refusesTheRest(sa, gw, "shop");

                install.namespace("rbac-hybrid-other");
                createRoute("rbac-hybrid-other", "elsewhere");
                String other = "rbac-hybrid-other";
                denied(gw, "list GatewayRoutes in an unwatched namespace", () -> routes(sa).inNamespace(other).list());
                denied(gw, "list GatewayRoutes in all namespaces", () -> routes(sa).inAnyNamespace().list());
                denied(gw, "list ConfigMaps in an unwatched namespace", () -> sa.configMaps().inNamespace(other).list());
                denied(gw, "watch Services in an unwatched namespace", () -> sa.services().inNamespace(other).watch(new NoopWatcher<>()));
                denied(gw, "list EndpointSlices in all namespaces", () -> sa.discovery().v1().endpointSlices().inAnyNamespace().list());
                denied(gw, "update a GatewayRoute status in an unwatched namespace",
                        () -> routes(sa).inNamespace(other).resource(status(other, "elsewhere", "Accepted")).patchStatus());
                denied(gw, "create an Event in an unwatched namespace", () -> sa.v1().events().inNamespace(other).resource(event(other, "x")).create());
                denied(gw, "create a Lease in a watched namespace", () -> sa.leases().inNamespace("shop").resource(lease("shop", gw.leaseName())).create());
            }
        }
    }

    /**
     * rbac.readSecrets (auth.basic.secretRef): get Secrets by name in the watched namespaces, and
     * nothing else: no list or watch anywhere (they would hand over every Secret in a namespace),
     * no get in a namespace it does not watch, its own release namespace included.
     */
    @Test
    void readSecretsGrantsGetByNameInWatchedNamespacesOnly() throws Exception {
        try (ChartInstall install = new ChartInstall(admin)) {
            Installed gw = install(install, Helm.EXAMPLES.resolve("hybrid-consul.yaml"), "rbac-secrets", Map.of("rbac.readSecrets", "true"));
            try (KubernetesClient sa = gw.gateway()) {
                assertThat(gw.watched()).containsExactly("shop", "payments");
                for (String ns : List.of("shop", "payments", gw.namespace())) {
                    admin.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("users").endMetadata()
                            .addToStringData("htpasswd", "alice:$2y$10$" + "x".repeat(53) + "\n").build()).create();
                }
                for (String ns : gw.watched()) {
                    assertThat(sa.secrets().inNamespace(ns).withName("users").get().getData()).as("get by name in " + ns).containsKey("htpasswd");
                    denied(gw, "list Secrets in " + ns, () -> sa.secrets().inNamespace(ns).list());
                    denied(gw, "watch Secrets in " + ns, () -> sa.secrets().inNamespace(ns).watch(new NoopWatcher<>()));
                    denied(gw, "update a Secret in " + ns, () -> sa.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata()
                            .withName("users").withNamespace(ns).endMetadata().addToStringData("htpasswd", "mallory:x").build()).update());
                    denied(gw, "create a Secret in " + ns, () -> sa.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata()
                            .withName("evil").endMetadata().build()).create());
                }
                denied(gw, "get a Secret in its own (unwatched) namespace", () -> sa.secrets().inNamespace(gw.namespace()).withName("users").get());
                denied(gw, "list Secrets in all namespaces", () -> sa.secrets().inAnyNamespace().list());
                install.namespace("rbac-secrets-other");
                denied(gw, "get a Secret in an unwatched namespace", () -> sa.secrets().inNamespace("rbac-secrets-other").withName("users").get());
            }
        }
    }

    /**
     * Not a client imitating the gateway: the gateway itself, authenticated with the chart's
     * ServiceAccount token, serves a GatewayRoute, writes its status (and a rejection's reason),
     * records an Event on a bad ConfigMap and holds the status-writer Lease.
     */
    @Test
    void theGatewayRunsWithTheChartsServiceAccount() throws Exception {
        try (ChartInstall install = new ChartInstall(admin); dev.isthmus.testsupport.EchoServer upstream =
                dev.isthmus.testsupport.EchoServer.start("rbac-upstream")) {
            Installed gw = install(install, Helm.EXAMPLES.resolve("public-cloud.yaml"), "rbac-live", Map.of("rbac.readSecrets", "true"));
            gw.gateway().close();
            String apps = "rbac-live-apps";
            install.namespace(apps);
            String token = admin.serviceAccounts().inNamespace(gw.namespace()).withName(gw.serviceAccount())
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
            Map<String, String> props = new java.util.LinkedHashMap<>();
            Config adminConfig = api.clientConfig();
            props.put("isthmus.kubernetes.enabled", "true");
            props.put("spring.cloud.kubernetes.client.master-url", adminConfig.getMasterUrl());
            if (adminConfig.getCaCertFile() != null) {
                props.put("spring.cloud.kubernetes.client.ca-cert-file", adminConfig.getCaCertFile());
            }
            if (adminConfig.getCaCertData() != null) {
                props.put("spring.cloud.kubernetes.client.ca-cert-data", adminConfig.getCaCertData());
            }
            props.put("spring.cloud.kubernetes.client.oauth-token", token);
            props.put("spring.cloud.kubernetes.client.namespace", gw.namespace());
            props.put("isthmus.kubernetes.lease-namespace", gw.namespace());
            props.put("isthmus.kubernetes.lease-name", gw.leaseName());
            props.put("isthmus.auth.credentials.refresh-interval", "1s");
            admin.resource(dev.isthmus.testsupport.KubeFixtures.gatewayRoute(apps, "good", """
                    match: {path: {prefix: /good}}
                    backends: [{url: "%s"}]
                    """.formatted(upstream.url()))).create();
            admin.resource(dev.isthmus.testsupport.KubeFixtures.gatewayRoute(apps, "bad", """
                    match: {path: {regex: "(?!x)"}}
                    backends: [{url: "%s"}]
                    """.formatted(upstream.url()))).create();
            // auth.basic from a Secret in the route's namespace, read with the ServiceAccount's get
            String password = "members-only-6c1f0e";
            admin.secrets().inNamespace(apps).resource(new SecretBuilder().withNewMetadata().withName("members").endMetadata()
                    .addToStringData(".htpasswd", "alice:" + new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(10).encode(password)
                            + "\n").build()).create();
            admin.resource(dev.isthmus.testsupport.KubeFixtures.gatewayRoute(apps, "members", """
                    match: {path: {prefix: /members}}
                    backends: [{url: "%s"}]
                    auth: {basic: {secretRef: {name: members}, userHeader: X-User}}
                    """.formatted(upstream.url()))).create();
            admin.resource(dev.isthmus.testsupport.KubeFixtures.gatewayRoute(apps, "no-secret", """
                    match: {path: {prefix: /no-secret}}
                    backends: [{url: "%s"}]
                    auth: {basic: {secretRef: {name: missing}}}
                    """.formatted(upstream.url()))).create();
            admin.configMaps().inNamespace(apps).resource(new ConfigMapBuilder().withNewMetadata().withName("broken-routes")
                    .addToLabels("isthmus.dev/routes", "true").endMetadata().addToData("routes.yaml", "routes: [ {name: x").build()).create();

            try (dev.isthmus.testsupport.GatewayApp app = dev.isthmus.testsupport.GatewayApp.start(null, props)) {
                assertThat(Await.until(Duration.ofSeconds(20), () -> app.get("/good").statusCode() == 200)).as("route served").isTrue();
                assertThat(Await.until(Duration.ofSeconds(20), () -> accepted(apps, "good", "True") && accepted(apps, "bad", "False")))
                        .as("status written as the ServiceAccount").isTrue();
                assertThat(Await.until(Duration.ofSeconds(20), () -> admin.v1().events().inNamespace(apps).list().getItems().stream()
                        .anyMatch(e -> "broken-routes".equals(e.getInvolvedObject().getName())))).as("Event recorded").isTrue();
                Lease lease = admin.leases().inNamespace(gw.namespace()).withName(gw.leaseName()).get();
                assertThat(lease).as("Lease taken").isNotNull();
                assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
                assertNoSourceDenied(app.admin("/actuator/sources").body());

                String good = "Basic " + java.util.Base64.getEncoder().encodeToString(("alice:" + password).getBytes());
                String bad = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:guess".getBytes());
                assertThat(Await.until(Duration.ofSeconds(20), () -> app.get("/members/x").statusCode() == 401)).as("basic route served").isTrue();
                assertThat(app.send(app.request("/members/x").header("Authorization", good).GET().build()).statusCode())
                        .as("a user of the Secret, read as the ServiceAccount").isEqualTo(200);
                assertThat(upstream.last().header("X-User")).isEqualTo("alice");
                assertThat(app.send(app.request("/members/x").header("Authorization", bad).GET().build()).statusCode()).isEqualTo(401);
                assertThat(app.send(app.request("/no-secret/x").header("Authorization", good).GET().build()).statusCode())
                        .as("a missing Secret lets nobody in").isEqualTo(401);
                assertThat(Await.until(Duration.ofSeconds(20), () -> {
                    var s = dev.isthmus.testsupport.KubeFixtures.status(admin, apps, "no-secret");
                    var c = s == null ? null : dev.isthmus.testsupport.KubeFixtures.condition(s, "ResolvedRefs");
                    return c != null && "False".equals(c.getStatus()) && "InvalidSecret".equals(c.getReason()) && c.getMessage().contains("not found");
                })).as("the author sees why: ResolvedRefs False, InvalidSecret").isTrue();
                var members = dev.isthmus.testsupport.KubeFixtures.condition(dev.isthmus.testsupport.KubeFixtures.status(admin, apps, "members"),
                        "ResolvedRefs");
                assertThat(members.getStatus()).as(members.getMessage()).isEqualTo("True");
                assertThat(routes(admin).inNamespace(apps).withName("no-secret").get().toString())
                        .doesNotContain(password);

                // the Secret changes: a new user logs in (refresh every isthmus.auth.credentials.refresh-interval)
                admin.secrets().inNamespace(apps).withName("members").edit(s -> new SecretBuilder(s).withData(null).addToStringData(".htpasswd",
                        "bob:" + new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(10).encode(password) + "\n").build());
                String bob = "Basic " + java.util.Base64.getEncoder().encodeToString(("bob:" + password).getBytes());
                assertThat(Await.until(Duration.ofSeconds(20), () -> app.send(app.request("/members/x").header("Authorization", bob).GET().build())
                        .statusCode() == 200)).as("bob, added to the Secret").isTrue();
            }
        }
    }

    /**
     * The Gateway API as the chart's ServiceAccount: the real gateway serves an HTTPRoute of a
     * Gateway of its class and writes GatewayClass, Gateway and HTTPRoute status; the account may
     * read the Gateway API objects and Namespaces and patch only their status, and still reads no
     * Secret (listener certificates come from mounted volumes).
     */
    @Test
    void theGatewayServesTheGatewayApiWithTheChartsServiceAccount() throws Exception {
        dev.isthmus.source.gatewayapi.GatewayApiFixtures.installCrds(admin);
        dev.isthmus.testsupport.TestNetwork network = dev.isthmus.testsupport.TestNetwork.shared();
        String address = network.address();
        try (ChartInstall install = new ChartInstall(admin); dev.isthmus.testsupport.EchoServer upstream =
                dev.isthmus.testsupport.EchoServer.start("rbac-gw-upstream", network)) {
            Installed gw = install(install, Helm.EXAMPLES.resolve("public-cloud.yaml"), "rbac-gwapi",
                    Map.of("isthmus.gateway-api.enabled", "true", "tls.enabled", "false"));
            String apps = "rbac-gwapi-apps";
            install.namespace(apps);
            admin.resource(dev.isthmus.testsupport.KubeFixtures.service(apps, "web", dev.isthmus.testsupport.KubeFixtures.port("http", 8080)))
                    .create();
            admin.resource(dev.isthmus.testsupport.KubeFixtures.slice(apps, "web-1", "web",
                    List.of(dev.isthmus.testsupport.KubeFixtures.slicePort("http", upstream.port())),
                    List.of(dev.isthmus.testsupport.KubeFixtures.endpoint(address, true, false)))).create();
            admin.resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder().withNewMetadata().withName("rbac-gwapi")
                    .endMetadata().withNewSpec().withControllerName("isthmus.dev/gateway-controller").endSpec().build()).create();
            admin.resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder().withNewMetadata().withName("edge")
                    .withNamespace(apps).endMetadata().withNewSpec().withGatewayClassName("rbac-gwapi").addNewListener().withName("http")
                    .withPort(80).withProtocol("HTTP").endListener().endSpec().build()).create();
            admin.resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder().withNewMetadata().withName("web")
                    .withNamespace(apps).endMetadata().withNewSpec().addNewParentRef().withName("edge").endParentRef().addNewRule()
                    .addNewMatch().withNewPath().withType("PathPrefix").withValue("/web").endPath().endMatch()
                    .addNewBackendRef().withName("web").withPort(8080).endBackendRef().endRule().endSpec().build()).create();

            JsonNode config = Manifests.parse(helm.template("isthmus", gw.namespace(), List.of(Helm.EXAMPLES.resolve("public-cloud.yaml")),
                    Map.of("isthmus.gateway-api.enabled", "true", "tls.enabled", "false")).orFail("helm template").output()).applicationConfig();
            Map<String, String> props = gatewayAsServiceAccount(gw);
            config.path("isthmus").path("gateway-api").fields().forEachRemaining(e -> props.put("isthmus.gateway-api." + e.getKey(),
                    e.getValue().isArray() ? String.join(",", toList(e.getValue())) : e.getValue().asText()));
            props.put("isthmus.gateway-api.addresses", "203.0.113.9");
            try (dev.isthmus.testsupport.GatewayApp app = dev.isthmus.testsupport.GatewayApp.start(null, props)) {
                assertThat(Await.until(Duration.ofSeconds(60), () -> app.get("/web").statusCode() == 200)).as("HTTPRoute served").isTrue();
                assertThat(Await.until(Duration.ofSeconds(30), () -> {
                    var r = admin.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class).inNamespace(apps).withName("web").get();
                    var g = admin.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inNamespace(apps).withName("edge").get();
                    var c = admin.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class).withName("rbac-gwapi").get();
                    return r.getStatus() != null && !r.getStatus().getParents().isEmpty()
                            && g.getStatus() != null && g.getStatus().getListeners() != null && !g.getStatus().getListeners().isEmpty()
                            && c.getStatus() != null && c.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Accepted")
                                    && x.getStatus().equals("True"));
                })).as("GatewayClass, Gateway and HTTPRoute status written as the ServiceAccount").isTrue();
                String sources = app.admin("/actuator/sources").body();
                assertThat(sources).contains("httproute");
                assertNoSourceDenied(sources);
            }
            try (KubernetesClient sa = gw.gateway()) {
                var routes = sa.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class);
                var gateways = sa.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class);
                var classes = sa.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class);
                assertThat(sa.namespaces().list().getItems()).as("Namespaces listed (allowedRoutes selectors)").isNotEmpty();
                denied(gw, "list Secrets in a Gateway's namespace", () -> sa.secrets().inNamespace(apps).list());
                denied(gw, "read a Secret in a Gateway's namespace", () -> sa.secrets().inNamespace(apps).withName("edge-tls").get());
                denied(gw, "read a ReferenceGrant by name", () -> sa.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1
                        .ReferenceGrant.class).inNamespace(apps).withName("any").get());
                denied(gw, "change an HTTPRoute's spec", () -> routes.inNamespace(apps).withName("web")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"hostnames\":[\"evil.example.com\"]}}"));
                denied(gw, "delete an HTTPRoute", () -> routes.inNamespace(apps).withName("web").delete());
                denied(gw, "create a Gateway", () -> gateways.inNamespace(apps).resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1
                        .GatewayBuilder().withNewMetadata().withName("evil").withNamespace(apps).endMetadata().withNewSpec()
                        .withGatewayClassName("rbac-gwapi").endSpec().build()).create());
                denied(gw, "change a GatewayClass's spec", () -> classes.withName("rbac-gwapi")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"description\":\"evil\"}}"));
                denied(gw, "create a ReferenceGrant", () -> sa.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class)
                        .inNamespace(apps).resource(new io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantBuilder().withNewMetadata()
                                .withName("evil").withNamespace(apps).endMetadata().withNewSpec().addNewFrom().withGroup("gateway.networking.k8s.io")
                                .withKind("HTTPRoute").withNamespace("x").endFrom().addNewTo().withGroup("").withKind("Service").endTo().endSpec().build())
                        .create());
                denied(gw, "change a Namespace's labels", () -> sa.namespaces().withName(apps)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"evil\":\"true\"}}}"));
            }
            admin.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class).withName("rbac-gwapi").delete();
        }
    }

    /**
     * No source of /actuator/sources was refused by the API server. Its errors, not the whole body:
     * a timestamp's nanoseconds or a resource version can contain "403".
     */
    private static void assertNoSourceDenied(String sourcesJson) throws Exception {
        JsonNode sources = new com.fasterxml.jackson.databind.ObjectMapper().readTree(sourcesJson).path("sources");
        assertThat(sources).as("sources listed").isNotEmpty();
        for (JsonNode source : sources) {
            JsonNode status = source.path("status");
            assertThat(status.path("lastError").asText("") + " " + status.path("detail").asText(""))
                    .as("source %s", status.path("id").asText()).doesNotContain("Forbidden").doesNotContainPattern("\\b403\\b");
        }
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The gateway's connection properties, authenticated with a fresh token of the chart's ServiceAccount. */
    private Map<String, String> gatewayAsServiceAccount(Installed gw) {
        String token = admin.serviceAccounts().inNamespace(gw.namespace()).withName(gw.serviceAccount())
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
        Map<String, String> props = new java.util.LinkedHashMap<>();
        Config adminConfig = api.clientConfig();
        props.put("isthmus.kubernetes.enabled", "true");
        props.put("spring.cloud.kubernetes.client.master-url", adminConfig.getMasterUrl());
        if (adminConfig.getCaCertFile() != null) {
            props.put("spring.cloud.kubernetes.client.ca-cert-file", adminConfig.getCaCertFile());
        }
        if (adminConfig.getCaCertData() != null) {
            props.put("spring.cloud.kubernetes.client.ca-cert-data", adminConfig.getCaCertData());
        }
        props.put("spring.cloud.kubernetes.client.oauth-token", token);
        props.put("spring.cloud.kubernetes.client.namespace", gw.namespace());
        props.put("isthmus.kubernetes.lease-namespace", gw.namespace());
        props.put("isthmus.kubernetes.lease-name", gw.leaseName());
        return props;
    }

    private static boolean accepted(String ns, String name, String expected) {
        var status = dev.isthmus.testsupport.KubeFixtures.status(admin, ns, name);
        var accepted = status == null ? null : dev.isthmus.testsupport.KubeFixtures.condition(status, "Accepted");
        return accepted != null && expected.equals(accepted.getStatus());
    }

    /** Informers (list, then watch) on every kind the gateway reads; namespace null: all namespaces. */
    private void watchesEverythingItReads(KubernetesClient sa, String informerNamespace, String objectsNamespace) {
        createRoute(objectsNamespace, "before");
        admin.configMaps().inNamespace(objectsNamespace).resource(new ConfigMapBuilder().withNewMetadata().withName("routes-before")
                .addToLabels("isthmus.dev/routes", "true").endMetadata().addToData("routes.yaml", "routes: []\n").build()).create();
        admin.services().inNamespace(objectsNamespace).resource(service("svc-before")).create();
        admin.discovery().v1().endpointSlices().inNamespace(objectsNamespace).resource(endpointSlice("svc-before")).create();

        List<SharedIndexInformer<?>> informers = new ArrayList<>();
        try {
            SharedIndexInformer<GenericKubernetesResource> routes = inform(routes(sa), informerNamespace, informers);
            SharedIndexInformer<io.fabric8.kubernetes.api.model.ConfigMap> configMaps = informerNamespace == null
                    ? sa.configMaps().inAnyNamespace().withLabel("isthmus.dev/routes", "true").inform()
                    : sa.configMaps().inNamespace(informerNamespace).withLabel("isthmus.dev/routes", "true").inform();
            informers.add(configMaps);
            SharedIndexInformer<io.fabric8.kubernetes.api.model.Service> services = inform(sa.services(), informerNamespace, informers);
            SharedIndexInformer<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice> slices = inform(
                    sa.discovery().v1().endpointSlices(), informerNamespace, informers);
            for (SharedIndexInformer<?> informer : informers) {
                assertThat(Await.until(Duration.ofSeconds(20), informer::hasSynced)).as("informer synced (list allowed)").isTrue();
            }
            assertThat(names(routes)).contains(objectsNamespace + "/before");
            assertThat(names(configMaps)).contains(objectsNamespace + "/routes-before");
            assertThat(names(services)).contains(objectsNamespace + "/svc-before");
            assertThat(names(slices)).contains(objectsNamespace + "/svc-before-1");

            createRoute(objectsNamespace, "after");
            admin.configMaps().inNamespace(objectsNamespace).resource(new ConfigMapBuilder().withNewMetadata().withName("routes-after")
                    .addToLabels("isthmus.dev/routes", "true").endMetadata().addToData("routes.yaml", "routes: []\n").build()).create();
            admin.services().inNamespace(objectsNamespace).resource(service("svc-after")).create();
            admin.discovery().v1().endpointSlices().inNamespace(objectsNamespace).resource(endpointSlice("svc-after")).create();
            assertThat(Await.until(Duration.ofSeconds(20), () -> names(routes).contains(objectsNamespace + "/after")
                    && names(configMaps).contains(objectsNamespace + "/routes-after") && names(services).contains(objectsNamespace + "/svc-after")
                    && names(slices).contains(objectsNamespace + "/svc-after-1"))).as("watch events arrive (watch allowed)").isTrue();
        }
        finally {
            informers.forEach(SharedIndexInformer::close);
        }
    }

    private void writesRouteStatusAndEvents(KubernetesClient sa, String ns) {
        // the status writer reads the route and writes its status, by update and by patch
        GenericKubernetesResource route = routes(sa).inNamespace(ns).withName("before").get();
        route.setAdditionalProperty("status", status(ns, "before", "Accepted").getAdditionalProperties().get("status"));
        routes(sa).inNamespace(ns).resource(route).updateStatus();
        routes(sa).inNamespace(ns).resource(status(ns, "after", "ResolvedRefs")).patchStatus();
        GenericKubernetesResource stored = routes(admin).inNamespace(ns).withName("after").get();
        assertThat(stored.get("status", "conditions").toString()).contains("ResolvedRefs");

        ObjectReference regarding = new ObjectReferenceBuilder().withApiVersion("isthmus.dev/v1alpha1").withKind("GatewayRoute")
                .withNamespace(ns).withName("before").withUid(route.getMetadata().getUid()).build();
        sa.v1().events().inNamespace(ns).resource(event(ns, "before.accepted")).create();
        // resource(item).patch sends the PATCH alone; withName(..).patch and edit would GET first, which the gateway may not
        sa.v1().events().inNamespace(ns).resource(event(ns, "before.accepted")).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"count\":2}");
        assertThat(admin.v1().events().inNamespace(ns).withName("before.accepted").get().getCount()).isEqualTo(2);
        sa.events().v1().events().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.events.v1.EventBuilder().withNewMetadata()
                .withName("before.resolved").withNamespace(ns).endMetadata().withEventTime(new MicroTime(microTime(Instant.now())))
                .withReportingController("isthmus.dev/gateway").withReportingInstance("isthmus-0").withAction("Resolve")
                .withReason("BackendNotFound").withType("Warning").withNote("service quote: no instances").withRegarding(regarding).build())
                .create();
    }

    /** fabric8's own LeaderElector, as the gateway runs it: acquires, renews (patches) and releases the Lease. */
    private void electsTheStatusWriter(KubernetesClient sa, Installed gw) throws Exception {
        CountDownLatch leading = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        var config = new LeaderElectionConfigBuilder().withName("isthmus status writer")
                .withLock(new LeaseLock(gw.namespace(), gw.leaseName(), "pod-a")).withLeaseDuration(Duration.ofSeconds(10))
                .withRenewDeadline(Duration.ofSeconds(8)).withRetryPeriod(Duration.ofSeconds(1)).withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(leading::countDown, stopped::countDown, newLeader -> {
                })).build();
        CompletableFuture<?> election = sa.leaderElector().withConfig(config).build().start();
        try {
            assertThat(leading.await(30, TimeUnit.SECONDS)).as("became leader (lease get + create)").isTrue();
            Lease first = admin.leases().inNamespace(gw.namespace()).withName(gw.leaseName()).get();
            assertThat(first.getSpec().getHolderIdentity()).isEqualTo("pod-a");
            assertThat(Await.until(Duration.ofSeconds(15), () -> !admin.leases().inNamespace(gw.namespace()).withName(gw.leaseName()).get()
                    .getSpec().getRenewTime().equals(first.getSpec().getRenewTime()))).as("renewed the lease (patch)").isTrue();
            assertThat(stopped.getCount()).as("never lost the lease").isEqualTo(1);
        }
        finally {
            election.cancel(true);
        }
        // and a plain update (PUT) of the Lease it holds
        Lease held = sa.leases().inNamespace(gw.namespace()).withName(gw.leaseName()).get();
        held.getMetadata().setLabels(Map.of("isthmus.dev/checked", "update"));
        sa.leases().inNamespace(gw.namespace()).resource(held).update();
    }

    private void refusesTheRest(KubernetesClient sa, Installed gw, String watchedNs) {
        String own = gw.namespace();
        admin.secrets().inNamespace(own).resource(new SecretBuilder().withNewMetadata().withName("consul-acl-token").endMetadata()
                .addToStringData("token", "s3cr3t").build()).create();
        denied(gw, "read a Secret", () -> sa.secrets().inNamespace(own).withName("consul-acl-token").get());
        denied(gw, "list Secrets", () -> sa.secrets().inNamespace(watchedNs).list());
        denied(gw, "list Secrets in all namespaces", () -> sa.secrets().inAnyNamespace().list());
        denied(gw, "get a ConfigMap by name", () -> sa.configMaps().inNamespace(watchedNs).withName("routes-before").get());
        denied(gw, "create a ConfigMap", () -> sa.configMaps().inNamespace(watchedNs).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("evil").endMetadata().build()).create());
        denied(gw, "patch a ConfigMap", () -> sa.configMaps().inNamespace(watchedNs).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("routes-before").withNamespace(watchedNs).endMetadata().build())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"routes.yaml\":\"routes: []\"}}"));
        denied(gw, "delete a ConfigMap", () -> sa.configMaps().inNamespace(watchedNs).withName("routes-before").delete());
        denied(gw, "create a GatewayRoute", () -> routes(sa).inNamespace(watchedNs).resource(routeObject(watchedNs, "evil")).create());
        denied(gw, "change a GatewayRoute's spec", () -> routes(sa).inNamespace(watchedNs).resource(routeObject(watchedNs, "before"))
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"precedence\":100}}"));
        denied(gw, "delete a GatewayRoute", () -> routes(sa).inNamespace(watchedNs).withName("before").delete());
        denied(gw, "create a Service", () -> sa.services().inNamespace(watchedNs).resource(service("evil")).create());
        denied(gw, "delete a Service", () -> sa.services().inNamespace(watchedNs).withName("svc-before").delete());
        denied(gw, "create an EndpointSlice", () -> sa.discovery().v1().endpointSlices().inNamespace(watchedNs)
                .resource(endpointSlice("evil")).create());
        denied(gw, "list Pods", () -> sa.pods().inNamespace(watchedNs).list());
        denied(gw, "list Deployments", () -> sa.apps().deployments().inNamespace(own).list());
        denied(gw, "get an Event", () -> sa.v1().events().inNamespace(watchedNs).withName("before.accepted").get());
        denied(gw, "delete an Event", () -> sa.v1().events().inNamespace(watchedNs).withName("before.accepted").delete());
        denied(gw, "read another Lease", () -> sa.leases().inNamespace(own).withName("someone-else").get());
        denied(gw, "patch another Lease", () -> sa.leases().inNamespace(own).resource(lease(own, "someone-else"))
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"holderIdentity\":\"x\"}}"));
        denied(gw, "delete its Lease", () -> sa.leases().inNamespace(own).withName(gw.leaseName()).delete());
        denied(gw, "list Leases", () -> sa.leases().inNamespace(own).list());
        String elsewhere = watchedNs.equals(own) ? "default" : watchedNs;
        denied(gw, "create a Lease in another namespace", () -> sa.leases().inNamespace(elsewhere)
                .resource(lease(elsewhere, gw.leaseName())).create());
        denied(gw, "list Nodes", () -> sa.nodes().list());
        denied(gw, "list Namespaces", () -> sa.namespaces().list());
        denied(gw, "create a ClusterRole", () -> sa.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata()
                .withName("isthmus-evil").endMetadata().build()).create());
        denied(gw, "request tokens for its ServiceAccount", () -> sa.serviceAccounts().inNamespace(own).withName(gw.serviceAccount())
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build()));
        denied(gw, "delete the CRD", () -> sa.apiextensions().v1().customResourceDefinitions().withName("gatewayroutes.isthmus.dev").delete());
    }

    private static void denied(Installed gw, String what, Runnable call) {
        try {
            call.run();
        }
        catch (KubernetesClientException e) {
            assertThat(e.getCode()).as("%s: %s", what, e.getMessage()).isEqualTo(403);
            if (e.getMessage().contains("User \"")) { // a watch's websocket refusal does not name the user
                assertThat(e.getMessage()).as(what).contains("User \"" + gw.user() + "\"");
            }
            return;
        }
        fail("the gateway's ServiceAccount may " + what + ": the RBAC is wider than the gateway needs");
    }

    // --- objects ---

    private static MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> routes(KubernetesClient client) {
        return client.genericKubernetesResources(GATEWAY_ROUTES);
    }

    private static <T extends HasMetadata, L extends io.fabric8.kubernetes.api.model.KubernetesResourceList<T>> SharedIndexInformer<T> inform(
            MixedOperation<T, L, ? extends Resource<T>> op, String namespace, List<SharedIndexInformer<?>> all) {
        SharedIndexInformer<T> informer = namespace == null ? op.inAnyNamespace().inform() : op.inNamespace(namespace).inform();
        all.add(informer);
        return informer;
    }

    private static Set<String> names(SharedIndexInformer<? extends HasMetadata> informer) {
        Set<String> names = ConcurrentHashMap.newKeySet();
        informer.getStore().list().forEach(o -> names.add(o.getMetadata().getNamespace() + "/" + o.getMetadata().getName()));
        return names;
    }

    private static void createRoute(String ns, String name) {
        routes(admin).inNamespace(ns).resource(routeObject(ns, name)).create();
    }

    private static GenericKubernetesResource routeObject(String ns, String name) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("isthmus.dev/v1alpha1");
        r.setKind("GatewayRoute");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        r.setAdditionalProperty("spec", Map.of("match", Map.of("path", Map.of("prefix", "/" + name + "/")), "backends",
                List.of(Map.of("service", "quote", "port", "http"))));
        return r;
    }

    /** A GatewayRoute carrying only a status, for a status patch. */
    private static GenericKubernetesResource status(String ns, String name, String condition) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("isthmus.dev/v1alpha1");
        r.setKind("GatewayRoute");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        r.setAdditionalProperty("status", Map.of("observedGeneration", 1, "conditions", List.of(Map.of("type", condition, "status", "True",
                "reason", condition, "message", "", "observedGeneration", 1, "lastTransitionTime", Instant.now().toString().replaceAll("\\.\\d+", "")))));
        return r;
    }

    private static io.fabric8.kubernetes.api.model.Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().addNewPort().withName("http").withPort(80)
                .endPort().endSpec().build();
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice endpointSlice(String service) {
        return new EndpointSliceBuilder().withNewMetadata().withName(service + "-1").addToLabels("kubernetes.io/service-name", service)
                .endMetadata().withAddressType("IPv4").addNewEndpoint().withAddresses("10.1.0.7").withNewConditions().withReady(true)
                .endConditions().endEndpoint().addNewPort().withName("http").withPort(8080).endPort().build();
    }

    private static io.fabric8.kubernetes.api.model.Event event(String ns, String name) {
        String now = Instant.now().toString().replaceAll("\\.\\d+", "");
        return new EventBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion("isthmus.dev/v1alpha1").withKind("GatewayRoute")
                        .withNamespace(ns).withName("before").build())
                .withReason("Accepted").withMessage("route accepted").withType("Normal").withCount(1).withFirstTimestamp(now)
                .withLastTimestamp(now).withNewSource().withComponent("isthmus").endSource().build();
    }

    private static Lease lease(String ns, String name) {
        return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withNewSpec().withHolderIdentity("x")
                .endSpec().build();
    }

    private static String microTime(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC).format(t);
    }

    private static final class NoopWatcher<T> implements io.fabric8.kubernetes.client.Watcher<T> {
        @Override
        public void eventReceived(Action action, T resource) {
        }

        @Override
        public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
        }
    }

}
