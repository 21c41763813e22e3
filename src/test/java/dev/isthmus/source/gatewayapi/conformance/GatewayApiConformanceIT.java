package dev.isthmus.source.gatewayapi.conformance;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.isthmus.source.gatewayapi.GatewayApiFixtures;
import dev.isthmus.source.gatewayapi.GatewayApiRouteSource;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.TestNetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Gateway API conformance suite's HTTPRoute cases, ported to this machine (no pods: the
 * upstream suite deploys echo pods and probes a Gateway's address). Each upstream case is one
 * test, named by its ShortName: its manifests (read from the sigs.k8s.io/gateway-api module, the
 * class name filled in) are applied to a real kube-apiserver, every Service gets an EndpointSlice
 * pointing at a real echo upstream in the test's own network namespace, the real gateway translates them, and the case's expected
 * request/response pairs, read from its Go file ({@link GoLiterals}), are sent to the gateway and
 * compared as the suite's {@code CompareRoundTrip} compares them: status, the request the
 * upstream received (path, method, host, headers, absent headers), which backend answered, the
 * response headers, redirect locations. Each expectation must hold three times in a row, as the
 * suite's eventually-consistent requests do; the route's parent status must be what the case
 * asserts. Cases that need what Isthmus does not offer are listed in {@link #UNSUPPORTED} (and in
 * docs/kubernetes.md), never run as tests that cannot fail.
 */
class GatewayApiConformanceIT {

    static final String CLASS = "isthmus-conformance";
    static final String CONTROLLER = "isthmus.dev/gateway-controller";
    static final String INFRA = "gateway-conformance-infra";

    /** Upstream cases that need a feature Isthmus does not have, and why (docs/kubernetes.md repeats this). */
    static final Map<String, String> UNSUPPORTED = new LinkedHashMap<>();

    static {
        UNSUPPORTED.put("HTTPRouteListenerPortMatching", "HTTP listeners on several ports: a deployment serves HTTP on one Service port");
        UNSUPPORTED.put("HTTPRouteRedirectPortAndScheme", "needs HTTP listeners on ports 80 and 8080 and an HTTPS listener at once");
        UNSUPPORTED.put("HTTPRouteHTTPSListener", "needs HTTP and HTTPS listeners served at once: a deployment serves one of them");
        UNSUPPORTED.put("HTTPRouteRequestMultipleMirrors", "Isthmus mirrors to one backend per route");
        UNSUPPORTED.put("HTTPRouteBackendRequestHeaderModifier", "filters on a backendRef: Isthmus applies filters per rule");
        UNSUPPORTED.put("HTTPRouteRequestHeaderModifierBackendWeights", "filters on a backendRef: Isthmus applies filters per rule");
        UNSUPPORTED.put("HTTPRouteBackendProtocolH2C", "h2c to upstreams (appProtocol kubernetes.io/h2c) is not implemented");
        UNSUPPORTED.put("HTTPRouteBackendProtocolWebSocket", "WebSocket upgrades per backend appProtocol (kubernetes.io/ws) are not implemented");
        UNSUPPORTED.put("HTTPRouteCORSAllowCredentialsBehavior", "the CORS filter is in the experimental channel only");
        UNSUPPORTED.put("HTTPRouteDisallowedKind", "needs TLSRoute (experimental channel)");
    }

    /** Parent conditions a case asserts, where they are not Accepted=True and ResolvedRefs=True; by route name. */
    static final Map<String, Map<String, List<String>>> CONDITIONS = Map.ofEntries(
            Map.entry("HTTPRouteInvalidNonExistentBackendRef", Map.of("invalid-nonexistent-backend-ref", List.of("ResolvedRefs=False/BackendNotFound"))),
            Map.entry("HTTPRouteInvalidBackendRefUnknownKind", Map.of("invalid-backend-ref-unknown-kind", List.of("ResolvedRefs=False/InvalidKind"))),
            Map.entry("HTTPRouteInvalidCrossNamespaceBackendRef",
                    Map.of("invalid-cross-namespace-backend-ref", List.of("ResolvedRefs=False/RefNotPermitted"))),
            Map.entry("HTTPRouteInvalidReferenceGrant", Map.of("reference-grant", List.of("ResolvedRefs=False/RefNotPermitted"))),
            Map.entry("HTTPRoutePartiallyInvalidViaInvalidReferenceGrant",
                    Map.of("invalid-reference-grant", List.of("Accepted=True/Accepted", "ResolvedRefs=False/RefNotPermitted"))),
            Map.entry("HTTPRouteInvalidCrossNamespaceParentRef",
                    Map.of("invalid-cross-namespace-parent-ref", List.of("Accepted=False/NotAllowedByListeners", "ResolvedRefs=True/ResolvedRefs"))),
            Map.entry("HTTPRouteInvalidParentRefNotMatchingListenerPort",
                    Map.of("httproute-listener-not-matching-route-port", List.of("Accepted=False/NoMatchingParent", "ResolvedRefs=True/ResolvedRefs"))),
            Map.entry("HTTPRouteInvalidParentRefNotMatchingSectionName",
                    Map.of("httproute-listener-not-matching-section-name", List.of("Accepted=False/NoMatchingParent"))),
            Map.entry("HTTPRouteInvalidParentRefSectionNameNotMatchingPort",
                    Map.of("httproute-listener-section-name-not-matching-port", List.of("Accepted=False/NoMatchingParent"))),
            Map.entry("HTTPRouteHostnameIntersection", Map.of("no-intersecting-hosts", List.of("Accepted=False/NoMatchingListenerHostname"))));

    /** Gateways a case asserts have no attached route. */
    static final Map<String, String> ZERO_ROUTES = Map.of(
            "HTTPRouteInvalidCrossNamespaceParentRef", "same-namespace",
            "HTTPRouteInvalidParentRefNotMatchingListenerPort", "same-namespace",
            "HTTPRouteInvalidParentRefNotMatchingSectionName", "same-namespace",
            "HTTPRouteInvalidParentRefSectionNameNotMatchingPort", "gateway-with-one-not-matching-port-and-section-name-route");

    /**
     * Services the suite backs with another Deployment's pods (HTTPRouteServiceTypes fills their
     * EndpointSlices with infra-backend-v1's pod addresses): here, with that Service's upstream.
     */
    static final Map<String, String> BACKED_BY = Map.of(
            INFRA + "/manual-endpointslices", INFRA + "/infra-backend-v1",
            INFRA + "/headless-manual-endpointslices", INFRA + "/infra-backend-v1",
            INFRA + "/headless", INFRA + "/infra-backend-v1");

    private static final Pattern DELAY = Pattern.compile("[?&]delay=([0-9]+)(ms|s)");

    static KubeApiServer api;
    static KubernetesClient admin;
    static GatewayApp gateway;
    static TestNetwork network;
    static String address;
    /** Echo upstream per Service, {@code namespace/name}. */
    static final Map<String, EchoServer> upstreams = new ConcurrentHashMap<>();
    static Map<String, ConformanceSuite.Case> cases;

    @BeforeAll
    static void setUp() throws Exception {
        cases = ConformanceSuite.httpRouteCases();
        api = KubeApiServer.shared();
        admin = api.client();
        KubeFixtures.installCrd(admin);
        GatewayApiFixtures.installCrds(admin);
        // Other ITs share this API server, which runs no namespace controller: their namespaces never finish
        // deleting, and their GatewayRoutes and route ConfigMaps would hold paths on the default host that the
        // suite's host-less HTTPRoutes claim (first claim wins, issue 15). The suite assumes a gateway of its own.
        admin.resources(dev.isthmus.spec.GatewayRoute.class).inAnyNamespace().delete();
        admin.configMaps().inAnyNamespace().withLabel(dev.isthmus.source.kubernetes.ConfigMapRouteSource.LABEL).delete();
        network = TestNetwork.shared();
        address = network.address();
        for (HasMetadata o : load(ConformanceSuite.baseManifests())) {
            if (o.getKind().equals("Namespace") || o.getKind().equals("Gateway") || o.getKind().equals("Service")) {
                apply(o);
            }
        }
        admin.resource(new GatewayClassBuilder().withNewMetadata().withName(CLASS).endMetadata().withNewSpec().withControllerName(CONTROLLER)
                .endSpec().build()).serverSideApply();
        Map<String, String> props = new LinkedHashMap<>(KubeFixtures.gatewayProperties(api, INFRA));
        props.put("isthmus.gateway-api.enabled", "true");
        props.put("isthmus.gateway-api.controller-name", CONTROLLER);
        props.put("isthmus.gateway-api.http-port", "80");
        props.put("isthmus.gateway-api.addresses", "127.0.0.1");
        props.put("isthmus.kubernetes.lease-duration", "3s");
        gateway = GatewayApp.start(null, props);
    }

    @AfterAll
    static void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        upstreams.values().forEach(EchoServer::close);
        if (admin != null) {
            admin.close();
        }
    }

    /** A manifest's objects, with the class name filled in as the suite does. */
    static List<HasMetadata> load(java.nio.file.Path file) throws IOException {
        String yaml = Files.readString(file).replace("{GATEWAY_CLASS_NAME}", CLASS);
        return admin.load(new java.io.ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    /** Applies an object; a Service also gets an echo upstream and an EndpointSlice, as no controller runs. */
    static void apply(HasMetadata o) {
        if (o.getKind().equals("Deployment") || o.getKind().equals("Secret")) {
            return; // no pods here: Services point at echo upstreams instead
        }
        admin.resource(o).forceConflicts().serverSideApply();
        if (o instanceof Service s) {
            String key = BACKED_BY.getOrDefault(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
                    s.getMetadata().getNamespace() + "/" + s.getMetadata().getName());
            EchoServer echo = upstreams.computeIfAbsent(key, k -> behaveLikeEchoBasic(EchoServer.start(
                    k.substring(k.indexOf('/') + 1) + "@" + k.substring(0, k.indexOf('/')), network)));
            List<EndpointPort> ports = new ArrayList<>();
            for (ServicePort p : s.getSpec().getPorts()) {
                ports.add(KubeFixtures.slicePort(p.getName(), echo.port()));
            }
            admin.resource(KubeFixtures.slice(s.getMetadata().getNamespace(), s.getMetadata().getName() + "-echo", s.getMetadata().getName(), ports,
                    List.of(KubeFixtures.endpoint(address, true, false)))).forceConflicts().serverSideApply();
        }
    }

    private static EchoServer resetting(EchoServer e) {
        e.reset();
        return e;
    }

    /** The suite's echo-basic upstream: {@code ?delay=} waits, {@code X-Echo-Set-Header: name:value} sets response headers. */
    private static EchoServer behaveLikeEchoBasic(EchoServer echo) {
        echo.behave(r -> {
            Matcher m = DELAY.matcher(r.uri());
            Duration delay = !m.find() ? Duration.ZERO
                    : m.group(2).equals("s") ? Duration.ofSeconds(Long.parseLong(m.group(1))) : Duration.ofMillis(Long.parseLong(m.group(1)));
            Map<String, String> headers = new LinkedHashMap<>();
            String set = r.header("X-Echo-Set-Header");
            if (set != null) {
                for (String kv : set.split(",")) {
                    int colon = kv.indexOf(':');
                    if (colon > 0) {
                        headers.merge(kv.substring(0, colon).trim(), kv.substring(colon + 1).trim(), (a, b) -> a + "," + b);
                    }
                }
            }
            return new EchoServer.Reply(200, delay, headers);
        });
        return echo;
    }

    @TestFactory
    Stream<DynamicTest> upstreamHttpRouteCases() {
        // -Dconformance.cases=HTTPRouteWeight,HTTPRouteMatching runs those only (while working on them)
        List<String> only = List.of(System.getProperty("conformance.cases", "").split(",")).stream().filter(n -> !n.isBlank()).toList();
        return cases.values().stream().filter(c -> !UNSUPPORTED.containsKey(c.shortName()))
                .filter(c -> only.isEmpty() || only.contains(c.shortName()))
                .map(c -> DynamicTest.dynamicTest(c.shortName(), () -> run(c)));
    }

    @SuppressWarnings("unchecked")
    private void run(ConformanceSuite.Case c) throws Exception {
        List<HasMetadata> objects = new ArrayList<>();
        for (String m : c.manifests()) {
            objects.addAll(load(ConformanceSuite.manifest(m)));
        }
        try {
            objects.forEach(GatewayApiConformanceIT::apply);
            List<HTTPRoute> routes = objects.stream().filter(HTTPRoute.class::isInstance).map(HTTPRoute.class::cast).toList();
            for (HTTPRoute r : routes) {
                awaitParentConditions(r, CONDITIONS.getOrDefault(c.shortName(), Map.of()).getOrDefault(r.getMetadata().getName(),
                        List.of("Accepted=True/Accepted", "ResolvedRefs=True/ResolvedRefs")));
            }
            if (ZERO_ROUTES.containsKey(c.shortName())) {
                assertZeroRoutes(ZERO_ROUTES.get(c.shortName()));
            }
            switch (c.shortName()) {
                case "HTTPRouteWeight" -> weightedDistribution(Map.of("infra-backend-v1", 0.7, "infra-backend-v2", 0.3, "infra-backend-v3", 0.0));
                case "HTTPRouteObservedGenerationBump" -> observedGenerationBumps(routes.get(0));
                case "HTTPRouteReferenceGrant" -> {
                    // the suite: served through the grant, then 500 once the grant is deleted
                    assertThat(eventually(c.expectations().get(0))).as("through the ReferenceGrant").isNull();
                    objects.stream().filter(o -> o.getKind().equals("ReferenceGrant")).forEach(o -> admin.resource(o).delete());
                    assertThat(eventually(c.expectations().get(1))).as("after deleting the ReferenceGrant").isNull();
                }
                case "HTTPRouteServiceTypes" -> {
                    // the suite builds these in a loop: "/" + each Service type, answered by infra-backend-v1's pods
                    for (String type : List.of("manual-endpointslices", "headless-manual-endpointslices", "headless")) {
                        assertThat(eventually(Map.of("Request", Map.of("Path", "/" + type), "Response", Map.of("StatusCode", 200L),
                                "Backend", "infra-backend-v1", "Namespace", INFRA))).as("/%s", type).isNull();
                    }
                }
                default -> {
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < c.expectations().size(); i++) {
                        String failure = eventually(c.expectations().get(i));
                        if (failure == null) {
                            failure = mirroredShares(c.expectations().get(i));
                        }
                        if (failure != null) {
                            failures.add("expectation " + i + " " + describe(c.expectations().get(i)) + ": " + failure);
                        }
                    }
                    assertThat(failures).as("%s: expectations that do not hold", c.shortName()).isEmpty();
                }
            }
        }
        finally {
            List<HasMetadata> reversed = new ArrayList<>(objects);
            java.util.Collections.reverse(reversed);
            for (HasMetadata o : reversed) {
                if (!o.getKind().equals("Namespace") && !o.getKind().equals("Deployment") && !o.getKind().equals("Secret")) {
                    admin.resource(o).delete();
                }
            }
            GatewayApiRouteSource source = gateway.bean(GatewayApiRouteSource.class);
            assertThat(Await.until(Duration.ofSeconds(20), () -> source.lastTranslation() != null && objects.stream()
                    .filter(HTTPRoute.class::isInstance).noneMatch(r -> source.lastTranslation().routes().containsKey(key(r)))))
                    .as("the case's routes are withdrawn").isTrue();
            upstreams.values().forEach(e -> behaveLikeEchoBasic(resetting(e)));
        }
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** Every parent status of ours on the route, for its current generation, has the conditions (type=status/reason). */
    private void awaitParentConditions(HTTPRoute route, List<String> expected) {
        String[] last = new String[1];
        boolean ok = Await.until(Duration.ofSeconds(20), () -> {
            HTTPRoute now = admin.resources(HTTPRoute.class).inNamespace(route.getMetadata().getNamespace()).withName(route.getMetadata().getName()).get();
            List<RouteParentStatus> ours = now == null || now.getStatus() == null ? List.of()
                    : now.getStatus().getParents().stream().filter(p -> CONTROLLER.equals(p.getControllerName())).toList();
            last[0] = ours.toString();
            if (ours.isEmpty()) {
                return false;
            }
            for (RouteParentStatus p : ours) {
                for (String e : expected) {
                    String type = e.substring(0, e.indexOf('='));
                    Condition cond = p.getConditions().stream().filter(x -> x.getType().equals(type)).findFirst().orElse(null);
                    if (cond == null || !e.equals(type + "=" + cond.getStatus() + "/" + cond.getReason())
                            || !Objects.equals(cond.getObservedGeneration(), now.getMetadata().getGeneration())) {
                        return false;
                    }
                }
            }
            return true;
        });
        assertThat(ok).as("HTTPRoute %s: parents %s, got %s", key(route), expected, last[0]).isTrue();
    }

    private void assertZeroRoutes(String gatewayName) {
        var gw = admin.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inNamespace(INFRA).withName(gatewayName).get();
        assertThat(gw.getStatus().getListeners()).as("listeners of %s", gatewayName).isNotEmpty()
                .allSatisfy(l -> assertThat(l.getAttachedRoutes()).isZero());
    }

    /** An expectation holds three times in a row within 15 s (the suite's eventually-consistent request); else the last reason. */
    private String eventually(Map<String, Object> expected) throws Exception {
        String unresolved = unresolved(expected);
        if (unresolved != null) {
            return "cannot be read from the Go source: " + unresolved;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int inARow = 0;
        String failure = "never sent";
        while (System.nanoTime() < deadline) {
            failure = check(expected);
            inARow = failure == null ? inARow + 1 : 0;
            if (inARow == 3) {
                return null;
            }
            Thread.sleep(failure == null ? 0 : 100);
        }
        return failure;
    }

    private static String unresolved(Object value) {
        if (value == GoLiterals.UNRESOLVED) {
            return "a value";
        }
        if (value instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                if (unresolved(e.getValue()) != null) {
                    return String.valueOf(e.getKey());
                }
            }
        }
        if (value instanceof List<?> l) {
            for (Object o : l) {
                if (unresolved(o) != null) {
                    return "an element";
                }
            }
        }
        return null;
    }

    /** CompareRoundTrip, for one request: null when it holds, else what differed. */
    @SuppressWarnings("unchecked")
    private String check(Map<String, Object> expected) throws IOException {
        Map<String, Object> request = map(expected.get("Request"));
        Map<String, Object> response = map(expected.get("Response"));
        String method = str(request.get("Method"), "GET");
        String host = str(request.get("Host"), "127.0.0.1");
        String path = str(request.get("Path"), "/");
        Map<String, String> headers = new LinkedHashMap<>((Map<String, String>) (Object) map(request.get("Headers")));
        // MakeRequest: the response headers the echo upstream is to set travel in X-Echo-Set-Header
        List<String> set = new ArrayList<>();
        map(expected.get("BackendSetResponseHeaders")).forEach((k, v) -> set.add(k + ":" + v));
        if (!set.isEmpty()) {
            headers.put("X-Echo-Set-Header", String.join(",", set));
        }
        Exchange x = Exchange.send(gateway.port(), method, host, path, headers);
        List<Long> codes = new ArrayList<>();
        if (response.get("StatusCode") != null) {
            codes.add((Long) response.get("StatusCode"));
        }
        if (response.get("StatusCodes") != null) {
            codes.addAll((List<Long>) response.get("StatusCodes"));
        }
        if (codes.isEmpty()) {
            codes.add(200L);
        }
        if (!codes.contains((long) x.status())) {
            return "status " + x.status() + ", expected one of " + codes + " (" + abbreviate(x.body()) + ")";
        }
        if (x.status() == 200) {
            JsonNode echo = x.echo();
            if (echo == null) {
                return "200 but no echo upstream answered: " + abbreviate(x.body());
            }
            Map<String, Object> expectedRequest = expected.get("ExpectedRequest") == null ? Map.of("Request", request)
                    : map(expected.get("ExpectedRequest"));
            Map<String, Object> er = map(expectedRequest.get("Request"));
            String erHost = str(er.get("Host"), "");
            if (!erHost.isEmpty() && !erHost.equals(Exchange.received(echo, "Host"))) {
                return "upstream got Host " + Exchange.received(echo, "Host") + ", expected " + erHost;
            }
            if (!str(er.get("Path"), "").equals(echo.path("uri").asText())) {
                return "upstream got path " + echo.path("uri").asText() + ", expected " + er.get("Path");
            }
            if (!str(er.get("Method"), "GET").equals(echo.path("method").asText())) {
                return "upstream got method " + echo.path("method").asText() + ", expected " + str(er.get("Method"), "GET");
            }
            // echo upstreams are named <service>@<namespace>, as the suite's pods are named after their Deployment
            String server = echo.path("server").asText();
            String upstream = server.substring(0, server.indexOf('@'));
            String namespace = server.substring(server.indexOf('@') + 1);
            if (expected.get("Namespace") != null && !expected.get("Namespace").equals(namespace)) {
                return "answered by " + namespace + "/" + upstream + ", expected namespace " + expected.get("Namespace");
            }
            for (var h : map(er.get("Headers")).entrySet()) {
                String got = Exchange.received(echo, h.getKey());
                if (!String.valueOf(h.getValue()).equals(got)) {
                    return "upstream got header " + h.getKey() + ": " + got + ", expected " + h.getValue();
                }
            }
            for (Object name : list(expectedRequest.get("AbsentHeaders"))) {
                if (Exchange.received(echo, String.valueOf(name)) != null) {
                    return "upstream got header " + name + " that should be absent";
                }
            }
            for (var h : map(response.get("Headers")).entrySet()) {
                if (!String.valueOf(h.getValue()).equals(x.header(h.getKey()))) {
                    return "response header " + h.getKey() + ": " + x.header(h.getKey()) + ", expected " + h.getValue();
                }
            }
            for (Object name : list(response.get("AbsentHeaders"))) {
                if (x.header(String.valueOf(name)) != null) {
                    return "response header " + name + " should be absent, is " + x.header(String.valueOf(name));
                }
            }
            String backend = str(expected.get("Backend"), "");
            if (!upstream.startsWith(backend)) {
                return "answered by " + upstream + ", expected " + backend;
            }
            for (Object mirror : list(expected.get("MirroredTo"))) {
                if (map(mirror).get("Percent") != null) {
                    continue; // checked as a distribution (mirroredShares)
                }
                EchoServer shadow = shadow(mirror);
                if (shadow == null || !Await.until(Duration.ofSeconds(2), () -> shadow.received().stream().anyMatch(r -> r.uri().equals(path)))) {
                    return "not mirrored to " + mirror;
                }
            }
        }
        else if (x.status() >= 300 && x.status() < 400 && expected.get("RedirectRequest") != null) {
            Map<String, Object> rr = map(expected.get("RedirectRequest"));
            String location = x.header("Location");
            if (location == null) {
                return "redirect without Location";
            }
            URI uri = URI.create(location);
            String scheme = str(rr.get("Scheme"), "http");
            String rHost = str(rr.get("Host"), uri.getHost());
            String rPath = str(rr.get("Path"), URI.create("http://x" + path).getPath());
            String gotPort = uri.getPort() < 0 ? "" : String.valueOf(uri.getPort());
            String port = str(rr.get("Port"), "");
            if (!rHost.equals(uri.getHost())) {
                return "redirected to host " + uri.getHost() + ", expected " + rHost + " (" + location + ")";
            }
            if (port.isEmpty() ? !(gotPort.isEmpty() || gotPort.equals(scheme.equals("https") ? "443" : "80")) : !port.equals(gotPort)) {
                return "redirected to port '" + gotPort + "', expected '" + port + "' (" + location + ")";
            }
            if (!scheme.equals(uri.getScheme())) {
                return "redirected to scheme " + uri.getScheme() + ", expected " + scheme + " (" + location + ")";
            }
            if (!rPath.equals(uri.getRawPath())) {
                return "redirected to path " + uri.getRawPath() + ", expected " + rPath + " (" + location + ")";
            }
        }
        return null;
    }

    private static EchoServer shadow(Object mirror) {
        Map<String, Object> m = map(map(mirror).get("BackendRef"));
        return upstreams.get(str(m.get("Namespace"), INFRA) + "/" + m.get("Name"));
    }

    /**
     * The suite's percentage-mirror check: after 500 requests (10 at a time) each mirror got
     * within 15% of its share of them; up to 5 tries.
     */
    @SuppressWarnings("unchecked")
    private String mirroredShares(Map<String, Object> expected) throws Exception {
        List<?> mirrors = list(expected.get("MirroredTo")).stream().filter(m -> map(m).get("Percent") != null).toList();
        if (mirrors.isEmpty()) {
            return null;
        }
        String path = str(map(expected.get("Request")).get("Path"), "/");
        Map<String, String> headers = (Map<String, String>) (Object) map(map(expected.get("Request")).get("Headers"));
        String last = null;
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            for (int attempt = 0; attempt < 5; attempt++) {
                Map<Object, Long> before = new HashMap<>();
                mirrors.forEach(m -> before.put(m, count(shadow(m), path)));
                List<Future<Integer>> sent = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    sent.add(pool.submit(() -> Exchange.send(gateway.port(), "GET", "127.0.0.1", path, headers).status()));
                }
                for (Future<Integer> f : sent) {
                    assertThat(f.get()).isEqualTo(200);
                }
                Thread.sleep(500); // mirrored copies are sent alongside, and may land after the answers
                boolean ok = true;
                StringBuilder got = new StringBuilder();
                for (Object m : mirrors) {
                    double want = 500.0 * ((Long) map(m).get("Percent")) / 100.0;
                    long n = count(shadow(m), path) - before.get(m);
                    got.append(map(map(m).get("BackendRef")).get("Name")).append('=').append(n).append(" (want ").append(want).append(") ");
                    ok &= n >= want * 0.85 && n <= want * 1.15;
                }
                last = got.toString();
                if (ok) {
                    return null;
                }
            }
        }
        finally {
            pool.shutdownNow();
        }
        return "mirrored shares not within 15% in 5 tries: " + last;
    }

    private static long count(EchoServer e, String path) {
        return e == null ? 0 : e.received().stream().filter(r -> r.uri().equals(path)).count();
    }

    /** The suite's TestWeightedDistribution: 500 requests, 10 at a time, each backend's share within 5 points; up to 10 tries. */
    private void weightedDistribution(Map<String, Double> weights) throws Exception {
        assertThat(eventually(Map.of("Request", Map.of("Path", "/"), "Namespace", INFRA))).isNull();
        String last = null;
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            for (int attempt = 0; attempt < 10; attempt++) {
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    int n = i;
                    answers.add(pool.submit(() -> {
                        Exchange x = Exchange.send(gateway.port(), "GET", "127.0.0.1", "/", Map.of("X-Jitter", String.valueOf(n)));
                        return x.status() == 200 && x.echo() != null ? x.echo().path("server").asText().split("@")[0] : "status " + x.status();
                    }));
                }
                Map<String, Integer> seen = new HashMap<>();
                for (Future<String> f : answers) {
                    seen.merge(f.get(), 1, Integer::sum);
                }
                last = seen.toString();
                boolean ok = seen.keySet().stream().allMatch(weights::containsKey);
                for (var w : weights.entrySet()) {
                    double got = seen.getOrDefault(w.getKey(), 0) / 500.0;
                    ok &= w.getValue() == 0 ? got == 0 : Math.abs(got - w.getValue()) <= 0.05;
                }
                if (ok) {
                    return;
                }
            }
        }
        finally {
            pool.shutdownNow();
        }
        fail("weighted distribution not within 5 points of " + weights + " in 10 tries; last: " + last);
    }

    /** The suite's observed-generation bump: a spec change is reflected in every parent condition's observedGeneration. */
    private void observedGenerationBumps(HTTPRoute route) {
        HTTPRoute now = admin.resources(HTTPRoute.class).inNamespace(route.getMetadata().getNamespace()).withName(route.getMetadata().getName()).get();
        long before = now.getMetadata().getGeneration();
        now.getSpec().getRules().get(0).getBackendRefs().get(0).setWeight(10);
        HTTPRoute updated = admin.resource(now).update();
        assertThat(updated.getMetadata().getGeneration()).isGreaterThan(before);
        awaitParentConditions(updated, List.of("Accepted=True/Accepted", "ResolvedRefs=True/ResolvedRefs"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String str(Object o, String otherwise) {
        return o == null || "".equals(o) ? otherwise : String.valueOf(o);
    }

    private static String describe(Map<String, Object> expected) {
        Map<String, Object> r = map(expected.get("Request"));
        return str(r.get("Method"), "GET") + " " + str(r.get("Host"), "") + str(r.get("Path"), "/") + (r.get("Headers") == null ? "" : " " + r.get("Headers"));
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
