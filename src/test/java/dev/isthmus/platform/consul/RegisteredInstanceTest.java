package dev.isthmus.platform.consul;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget.Registry;
import dev.isthmus.discovery.Instance;
import dev.isthmus.discovery.consul.ConsulServiceRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading {@code /v1/health/service/<name>} answers (shape as Consul 1.16 returns them). */
class RegisteredInstanceTest {

    private static String entry(String serviceAddress, String weights, String serviceCheck, String nodeCheck) {
        return """
                {"Node": {"ID": "x", "Node": "node-a", "Address": "10.0.0.9", "Datacenter": "dc1"},
                 "Service": {"ID": "web-1", "Service": "web", "Tags": ["isthmus.enable=true", "v2"], "Address": "%s",
                             "Meta": {"zone": "z1", "secure": "true", "v2": "meta-wins"}, "Port": 8443, %s
                             "CreateIndex": 10, "ModifyIndex": 12},
                 "Checks": [{"Node": "node-a", "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "%s", "ServiceID": ""},
                            {"Node": "node-a", "CheckID": "service:web-1", "Name": "ttl", "Status": "%s", "ServiceID": "web-1"}]}
                """.formatted(serviceAddress, weights, nodeCheck, serviceCheck);
    }

    private static RegisteredInstance parse(String json) {
        List<ConsulJson.HealthEntry> list = ConsulJson.healthService(("[" + json + "]").getBytes(StandardCharsets.UTF_8));
        assertThat(list).hasSize(1);
        return RegisteredInstance.of(list.get(0));
    }

    @Test
    void readsAddressPortTagsMetaAndWeights() {
        RegisteredInstance r = parse(entry("10.1.2.3", "\"Weights\": {\"Passing\": 5, \"Warning\": 2},", "passing", "passing"));
        assertThat(r.id()).isEqualTo("node-a/web-1");
        assertThat(r.address()).isEqualTo("10.1.2.3");
        assertThat(r.port()).isEqualTo(8443);
        assertThat(r.health()).isEqualTo(HealthStatus.PASSING);
        assertThat(r.routable(false)).isTrue();

        Instance i = ConsulServiceRegistry.instanceOf(r);
        assertThat(i.host()).isEqualTo("10.1.2.3");
        assertThat(i.weight()).isEqualTo(5);
        assertThat(i.secure()).isTrue();
        assertThat(i.zone()).isEqualTo("z1");
        assertThat(i.registry()).isEqualTo(Registry.CONSUL);
        assertThat(i.metadata()).containsEntry("isthmus.enable", "true").containsEntry("zone", "z1").containsEntry("v2", "meta-wins");
    }

    @Test
    void withoutServiceAddressTheNodeAddressIsUsed() {
        assertThat(parse(entry("", "", "passing", "passing")).address()).isEqualTo("10.0.0.9");
    }

    @Test
    void missingWeightsDefaultToOne() {
        assertThat(ConsulServiceRegistry.instanceOf(parse(entry("10.1.2.3", "", "passing", "passing"))).weight()).isEqualTo(1);
    }

    @Test
    void aWarningInstanceIsRoutableOnlyWhenWarningsAreAcceptedAndThenUsesTheWarningWeight() {
        RegisteredInstance r = parse(entry("10.1.2.3", "\"Weights\": {\"Passing\": 5, \"Warning\": 2},", "warning", "passing"));
        assertThat(r.health()).isEqualTo(HealthStatus.WARNING);
        assertThat(r.routable(false)).isFalse();
        assertThat(r.routable(true)).isTrue();
        assertThat(ConsulServiceRegistry.instanceOf(r).weight()).isEqualTo(2);
        assertThat(r.failing()).containsExactly("ttl: warning");
    }

    @Test
    void aCriticalNodeCheckMakesEveryInstanceOnItUnroutable() {
        RegisteredInstance r = parse(entry("10.1.2.3", "", "passing", "critical"));
        assertThat(r.health()).isEqualTo(HealthStatus.CRITICAL);
        assertThat(r.routable(true)).isFalse();
        assertThat(r.failing()).containsExactly("Serf Health Status: critical");
    }

    @Test
    void maintenanceAndUnknownStatusesAreCritical() {
        assertThat(HealthStatus.of("maintenance")).isEqualTo(HealthStatus.CRITICAL);
        assertThat(HealthStatus.of("bogus")).isEqualTo(HealthStatus.CRITICAL);
        assertThat(HealthStatus.of(null)).isEqualTo(HealthStatus.CRITICAL);
    }

    @Test
    void anInstanceWithoutPortIsNotRoutable() {
        RegisteredInstance r = parse(entry("10.1.2.3", "", "passing", "passing").replace("\"Port\": 8443", "\"Port\": 0"));
        assertThat(r.routable(false)).isFalse();
    }
}
