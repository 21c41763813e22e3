package dev.isthmus.infra;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.KubeApiServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The real kube-apiserver the Kubernetes tests run against: objects and watches work through fabric8. */
class KubeApiServerIT {

    @Test
    void watchesAConfigMapChangeThroughAnInformer() {
        KubeApiServer api = KubeApiServer.shared();
        try (KubernetesClient client = api.client()) {
            assertThat(client.getKubernetesVersion().getGitVersion()).startsWith("v1.");
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("infra-it").endMetadata().build()).serverSideApply();

            List<String> seen = new CopyOnWriteArrayList<>();
            try (SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("infra-it").inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(ConfigMap cm) {
                    seen.add("add:" + cm.getData().get("k"));
                }

                @Override
                public void onUpdate(ConfigMap old, ConfigMap cm) {
                    seen.add("update:" + cm.getData().get("k"));
                }

                @Override
                public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                    seen.add("delete:" + cm.getData().get("k"));
                }
            })) {
                client.configMaps().inNamespace("infra-it").resource(new ConfigMapBuilder().withNewMetadata().withName("demo").endMetadata()
                        .withData(Map.of("k", "v1")).build()).create();
                client.configMaps().inNamespace("infra-it").withName("demo").edit(cm -> new ConfigMapBuilder(cm).withData(Map.of("k", "v2")).build());
                client.configMaps().inNamespace("infra-it").withName("demo").delete();

                assertThat(Await.until(Duration.ofSeconds(10), () -> seen.size() >= 3)).as("events seen: %s", seen).isTrue();
                assertThat(seen).containsExactly("add:v1", "update:v2", "delete:v2");
            }
        }
    }
}
