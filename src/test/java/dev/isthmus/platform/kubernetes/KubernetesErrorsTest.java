package dev.isthmus.platform.kubernetes;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KubernetesErrorsTest {

    @Test
    void namesTheStatusTheApiServersMessageAndTheUsualCause() {
        KubernetesClientException forbidden = new KubernetesClientException(new StatusBuilder().withCode(403)
                .withMessage("configmaps is forbidden: User \"system:serviceaccount:gw:isthmus\" cannot watch resource \"configmaps\"").build());
        assertThat(KubernetesErrors.describe(new CompletionException(forbidden))).isEqualTo(
                "HTTP 403: configmaps is forbidden: User \"system:serviceaccount:gw:isthmus\" cannot watch resource \"configmaps\""
                        + " (the gateway's service account lacks a permission: see the RBAC in docs/kubernetes.md)");
        assertThat(KubernetesErrors.describe(new KubernetesClientException("Operation failed", new ConnectException("Connection refused"))))
                .isEqualTo("ConnectException: Connection refused");
    }
}
