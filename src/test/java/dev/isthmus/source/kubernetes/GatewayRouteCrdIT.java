package dev.isthmus.source.kubernetes;

import java.util.List;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GatewayRoute CRD exactly as the build generates it, on a real API server: accepted and
 * Established, with its names, status subresource and printer columns; its structural schema
 * refuses what it can express (one-of rules, enums, patterns, minimums, required fields).
 */
class GatewayRouteCrdIT {

    static final String NS = "crd-it";
    static KubernetesClient client;

    @BeforeAll
    static void setUp() {
        client = KubeApiServer.shared().client();
        KubeFixtures.createNamespace(client, NS);
    }

    @AfterAll
    static void tearDown() {
        client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).delete();
        client.close();
    }

    @Test
    void generatedCrdIsEstablishedWithItsNamesStatusSubresourceAndColumns() {
        CustomResourceDefinition crd = KubeFixtures.installCrd(client);

        assertThat(KubeFixtures.established(crd)).isTrue();
        assertThat(crd.getSpec().getGroup()).isEqualTo("isthmus.dev");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("GatewayRoute");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("gr");
        assertThat(crd.getSpec().getVersions()).singleElement().satisfies(v -> {
            assertThat(v.getName()).isEqualTo("v1alpha1");
            assertThat(v.getSubresources().getStatus()).isNotNull();
            assertThat(v.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getName)
                    .contains("Hosts", "Path", "Backends", "Accepted", "Age");
        });
        // the API server names it "structural" by accepting it without a NonStructuralSchema condition
        assertThat(crd.getStatus().getConditions()).noneMatch(c -> "NonStructuralSchema".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    void theDesignExampleIsAccepted() {
        KubeFixtures.installCrd(client);
        GenericKubernetesResource created = client.resource(KubeFixtures.gatewayRoute(NS, "quote", """
                gatewayClassName: public
                hosts: ["api.example.com", "*.example.org"]
                match:
                  path: {prefix: /quote/}
                  methods: [GET, POST]
                  headers:
                    - {name: x-canary, value: "true"}
                    - {name: x-user, regex: "^a.*"}
                    - {name: x-debug, present: true}
                  queryParams: [{name: version, value: "2"}]
                precedence: 0
                backends:
                  - {service: quote, port: http, weight: 90}
                  - {service: quote-canary, weight: 10}
                  - {service: "k8s:shop/quote", port: 8080}
                  - {url: "http://10.0.0.5:8080", weight: 0}
                rewrite: {regex: {pattern: "^/quote/(.*)", replacement: "/v2/$1"}}
                hostRewrite: quote.internal
                requestHeaders: {set: {X-Gateway: isthmus}, add: {}, remove: [Cookie]}
                responseHeaders: {set: {}, add: {}, remove: [Server]}
                timeouts: {connect: 2s, response: 15s, idle: 60s}
                retries: {attempts: 2, on: [connect-failure, gateway-error, 5xx], perTryTimeout: 3s, backoff: 50ms}
                circuitBreaker: {failureRateThreshold: 50, slowCallDurationThreshold: 2s, minimumCalls: 20, openDuration: 30s}
                loadBalancer: {policy: consistent-hash, hashOn: {cookie: {name: sid, ttl: 1h}}}
                rateLimit: {requestsPerSecond: 100, burst: 200, key: client-ip, scope: local}
                cors: {allowOrigins: ["https://app.example.com"], allowMethods: [GET], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAge: 1h}
                mirror: {service: quote-shadow, percent: 10}
                websocket: true
                """)).create();
        assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            two path kinds          | match: {path: {prefix: /a/, exact: /a}}\\nbackends: [{url: "http://x"}]                       | exactly one of prefix, exact or regex is required
            no path kind            | match: {path: {}}\\nbackends: [{url: "http://x"}]                                              | exactly one of prefix, exact or regex is required
            missing match           | backends: [{url: "http://x"}]                                                                   | spec.match: Required value
            unknown method          | match: {path: {prefix: /a/}, methods: [FETCH]}\\nbackends: [{url: "http://x"}]                  | Unsupported value: "FETCH"
            backends and redirect   | match: {path: {prefix: /a/}}\\nbackends: [{url: "http://x"}]\\nredirect: {scheme: https}        | exactly one of backends or redirect is required
            neither                 | match: {path: {prefix: /a/}}                                                                    | exactly one of backends or redirect is required
            service and url         | match: {path: {prefix: /a/}}\\nbackends: [{service: a, url: "http://x"}]                        | exactly one of service or url is required
            negative weight         | match: {path: {prefix: /a/}}\\nbackends: [{service: a, weight: -1}]                             | should be greater than or equal to 0
            bad duration            | match: {path: {prefix: /a/}}\\nbackends: [{url: "http://x"}]\\ntimeouts: {connect: 2 seconds}  | spec.timeouts.connect: Invalid value
            path not absolute       | match: {path: {prefix: a/}}\\nbackends: [{url: "http://x"}]                                     | spec.match.path.prefix: Invalid value
            bad service name        | match: {path: {prefix: /a/}}\\nbackends: [{service: "k8s:Shop/q"}]                              | spec.backends[0].service: Invalid value
            bad redirect code       | match: {path: {prefix: /a/}}\\nredirect: {code: 399}                                            | code must be one of 301, 302, 303, 307, 308
            hash without policy     | match: {path: {prefix: /a/}}\\nbackends: [{url: "http://x"}]\\nloadBalancer: {hashOn: {sourceIp: true}} | hashOn is required with, and only with, policy consistent-hash
            unknown lb policy       | match: {path: {prefix: /a/}}\\nbackends: [{url: "http://x"}]\\nloadBalancer: {policy: fastest} | Unsupported value: "fastest"
            zero rate               | match: {path: {prefix: /a/}}\\nbackends: [{url: "http://x"}]\\nrateLimit: {requestsPerSecond: 0} | should be greater than or equal to 1
            header without value    | match: {path: {prefix: /a/}, headers: [{name: x}]}\\nbackends: [{url: "http://x"}]             | exactly one of value, regex or present is required
            """)
    void theSchemaRefusesWhatItCanExpress(String name, String spec, String expected) {
        KubeFixtures.installCrd(client);
        String yaml = spec.replace("\\n", "\n");
        assertThatThrownBy(() -> client.resource(KubeFixtures.gatewayRoute(NS, "bad-" + name.replace(' ', '-'), yaml)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage()).contains(expected);
                });
        assertThat(client.genericKubernetesResources(GatewayRouteSource.CONTEXT).inNamespace(NS).list().getItems())
                .extracting(r -> r.getMetadata().getName()).doesNotContain("bad-" + name.replace(' ', '-'));
    }

    @Test
    void whatTheSchemaCannotExpressIsAccepted() {
        // an invalid regular expression and a bad host pass the schema: the gateway rejects them (see GatewayRouteRoutingIT)
        KubeFixtures.installCrd(client);
        for (String spec : List.of("match: {path: {regex: \"/(a\"}}\nbackends: [{url: \"http://x\"}]",
                "hosts: [\"bad host!\"]\nmatch: {path: {prefix: /a/}}\nbackends: [{url: \"http://x\"}]")) {
            String name = "passes-schema-" + Math.abs(spec.hashCode());
            client.resource(KubeFixtures.gatewayRoute(NS, name, spec)).create();
            assertThat(KubeFixtures.getGatewayRoute(client, NS, name)).isNotNull();
        }
    }
}
