package dev.isthmus.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.runtime.auth.CredentialStore;

/**
 * Reads one Secret by name when a route references it (htpasswd, upstream CA, client certificate):
 * RBAC needs {@code get} on secrets in the route namespaces, never list or watch.
 */
final class KubernetesSecretReader implements CredentialStore.SecretReader {

    private final KubernetesClient client;

    private KubernetesSecretReader(KubernetesClient client) {
        this.client = client;
    }

    /** A reader on this client; without one (Kubernetes off), every read fails saying so. */
    static CredentialStore.SecretReader of(KubernetesClient client) {
        return client == null ? CredentialStore.SecretReader.DISABLED : new KubernetesSecretReader(client);
    }

    @Override
    public CredentialStore.SecretReader.Result read(String namespace, String name) {
        try {
            Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
            if (secret == null) {
                return new CredentialStore.SecretReader.NotFound();
            }
            Map<String, byte[]> data = new HashMap<>();
            if (secret.getData() != null) {
                secret.getData().forEach((k, v) -> data.put(k, v == null ? new byte[0] : Base64.getDecoder().decode(v)));
            }
            if (secret.getStringData() != null) {
                secret.getStringData().forEach((k, v) -> data.putIfAbsent(k, v == null ? new byte[0] : v.getBytes(StandardCharsets.UTF_8)));
            }
            return new CredentialStore.SecretReader.Found(data);
        }
        catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return new CredentialStore.SecretReader.Forbidden("forbidden");
            }
            if (e.getCode() == 404) {
                return new CredentialStore.SecretReader.NotFound();
            }
            return new CredentialStore.SecretReader.Failed(KubernetesErrors.describe(e));
        }
        catch (RuntimeException e) {
            return new CredentialStore.SecretReader.Failed(e.getClass().getSimpleName());
        }
    }
}
