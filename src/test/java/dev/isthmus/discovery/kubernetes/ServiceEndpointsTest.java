package dev.isthmus.discovery.kubernetes;

import java.util.List;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import org.junit.jupiter.api.Test;

import dev.isthmus.discovery.Instance;

import static org.assertj.core.api.Assertions.assertThat;

/** How a Service and its EndpointSlices become routable instances per Service port. */
class ServiceEndpointsTest {

    static Service service(ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withNamespace("shop").withName("quote").endMetadata()
                .withNewSpec().withPorts(ports).endSpec().build();
    }

    static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).build();
    }

    static EndpointPort slicePort(String name, int port) {
        return new EndpointPortBuilder().withName(name).withPort(port).build();
    }

    static Endpoint endpoint(Boolean ready, Boolean terminating, String... addresses) {
        return new EndpointBuilder().withAddresses(addresses).withNewConditions().withReady(ready).withTerminating(terminating)
                .endConditions().withZone("zone-a").withNodeName("node-1")
                .withNewTargetRef().withKind("Pod").withName("quote-" + addresses[0]).endTargetRef().build();
    }

    static EndpointSlice slice(String addressType, List<EndpointPort> ports, Endpoint... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("shop").withName("quote-" + Math.abs(ports.hashCode())).endMetadata()
                .withAddressType(addressType).withPorts(ports).withEndpoints(endpoints).build();
    }

    static List<String> ids(List<Instance> instances) {
        return instances.stream().map(Instance::id).toList();
    }

    @Test
    void onlyReadyAndNotTerminatingEndpointsAreRoutable() {
        ServiceEndpoints s = endpoints(service(port("http", 80)), List.of(slice("IPv4", List.of(slicePort("http", 8080)),
                endpoint(true, false, "10.0.0.1"),
                endpoint(false, false, "10.0.0.2"),
                endpoint(null, null, "10.0.0.3"),       // unknown readiness counts as ready
                endpoint(true, true, "10.0.0.4"),       // terminating, readiness overridden: still not routable
                endpoint(false, true, "10.0.0.5"))));
        assertThat(ids(s.instances("http"))).containsExactly("10.0.0.1:8080", "10.0.0.3:8080");
    }

    @Test
    void servicePortsMapToSlicePortsByNameAndAreChosenByNameNumberOrDefault() {
        Service svc = service(port("http", 80), port("admin", 9000));
        ServiceEndpoints s = endpoints(svc, List.of(
                slice("IPv4", List.of(slicePort("http", 8080), slicePort("admin", 9090)), endpoint(true, false, "10.0.0.1")),
                slice("IPv4", List.of(slicePort("http", 8081)), endpoint(true, false, "10.0.0.2"))));
        assertThat(ids(s.instances("http"))).containsExactly("10.0.0.1:8080", "10.0.0.2:8081");
        assertThat(ids(s.instances("80"))).containsExactly("10.0.0.1:8080", "10.0.0.2:8081");
        assertThat(ids(s.instances(null))).as("the first Service port").containsExactly("10.0.0.1:8080", "10.0.0.2:8081");
        assertThat(ids(s.instances("admin"))).containsExactly("10.0.0.1:9090");
        assertThat(ids(s.instances("9000"))).containsExactly("10.0.0.1:9090");
        assertThat(s.instances("9090")).as("a target port is not a Service port").isEmpty();
        assertThat(s.instances("metrics")).isEmpty();
    }

    @Test
    void theUnnamedPortOfASinglePortServiceMatches() {
        ServiceEndpoints s = endpoints(service(port(null, 80)),
                List.of(slice("IPv4", List.of(slicePort("", 8080)), endpoint(true, false, "10.0.0.1"))));
        assertThat(ids(s.instances(null))).containsExactly("10.0.0.1:8080");
        assertThat(ids(s.instances("80"))).containsExactly("10.0.0.1:8080");
    }

    @Test
    void anEndpointInTwoSlicesIsOneInstanceAndOnlyTheFirstAddressCounts() {
        ServiceEndpoints s = endpoints(service(port("http", 80)), List.of(
                slice("IPv4", List.of(slicePort("http", 8080)), endpoint(true, false, "10.0.0.1", "10.0.0.9")),
                slice("IPv4", List.of(slicePort("http", 8080)), endpoint(true, false, "10.0.0.1"))));
        assertThat(ids(s.instances("http"))).containsExactly("10.0.0.1:8080");
    }

    @Test
    void instancesCarryZoneMetadataIpv6BracketsAndTls() {
        Service svc = new ServiceBuilder(service(port("https", 443))).build();
        ServiceEndpoints s = endpoints(svc, List.of(slice("IPv6", List.of(slicePort("https", 8443)), endpoint(true, false, "fd00::1"))));
        assertThat(s.instances("https")).singleElement().satisfies(i -> {
            assertThat(i.id()).isEqualTo("[fd00::1]:8443");
            assertThat(i.authority()).isEqualTo("[fd00::1]:8443");
            assertThat(i.secure()).isTrue();
            assertThat(i.zone()).isEqualTo("zone-a");
            assertThat(i.metadata()).containsEntry("namespace", "shop").containsEntry("service", "quote")
                    .containsEntry("pod", "quote-fd00::1").containsEntry("node", "node-1");
        });
        ServiceEndpoints plain = endpoints(service(port("web", 80)), List.of(slice("FQDN",
                List.of(new EndpointPortBuilder().withName("web").withPort(8443).withAppProtocol("https").build()),
                endpoint(true, false, "quote.example.internal"))));
        assertThat(plain.instances("web")).singleElement().satisfies(i -> {
            assertThat(i.host()).isEqualTo("quote.example.internal");
            assertThat(i.secure()).as("appProtocol https").isTrue();
        });
    }

    @Test
    void aServiceWithoutSlicesOrPortsHasNoInstances() {
        assertThat(endpoints(service(port("http", 80)), List.of()).instances("http")).isEmpty();
        assertThat(endpoints(service(), List.of(slice("IPv4", List.of(slicePort("http", 8080)), endpoint(true, false, "10.0.0.1"))))
                .instances(null)).isEmpty();
    }

    @Test
    void endpointsTheDestinationRulesRefuseAreLeftOutAndReported() {
        // the gateway's pod IP 10.1.0.7 listening on 8080 and 9090 (traffic, admin): a hand-written slice naming it is refused
        var guard = new dev.isthmus.compile.ownership.DestinationGuard(dev.isthmus.model.Cidrs.parse(
                dev.isthmus.compile.ownership.DestinationGuard.DEFAULT_DENIED), false, dev.isthmus.model.Cidrs.parse(List.of("10.1.0.7")),
                java.util.Set.of(8080, 9090));
        List<String> refused = new java.util.ArrayList<>();
        ServiceEndpoints s = ServiceEndpoints.of(service(port("http", 80)), List.of(
                slice("IPv4", List.of(slicePort("http", 9090)), endpoint(true, false, "10.1.0.7"), endpoint(true, false, "10.0.0.1")),
                slice("IPv4", List.of(slicePort("http", 80)), endpoint(true, false, "169.254.169.254")),
                slice("FQDN", List.of(slicePort("http", 80)), endpoint(true, false, "db.example.com"))), guard, refused::add);
        assertThat(ids(s.instances("http"))).containsExactlyInAnyOrder("10.0.0.1:9090", "db.example.com:80");
        assertThat(refused).hasSize(2);
        assertThat(refused.get(0)).contains("10.1.0.7:9090").contains("own port");
        assertThat(refused.get(1)).contains("169.254.169.254:80").contains("denied destination");
    }

    private static ServiceEndpoints endpoints(io.fabric8.kubernetes.api.model.Service service,
            java.util.Collection<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice> slices) {
        return ServiceEndpoints.of(service, slices, dev.isthmus.compile.ownership.DestinationGuard.NONE, refused -> { });
    }
}
