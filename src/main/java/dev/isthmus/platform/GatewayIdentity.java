package dev.isthmus.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.core.env.Environment;

/**
 * Who this gateway is, decided once: its own namespace. Unqualified services of routes from the
 * file or Consul resolve there ({@code isthmus.kubernetes.default-namespace} aside), and the
 * status writer's Lease lives there ({@code isthmus.kubernetes.lease-namespace} aside).
 *
 * @param namespace the gateway's own namespace
 * @param from where it was learnt, for the start-up log
 */
public record GatewayIdentity(String namespace, String from) {

    /** Where Kubernetes mounts a pod's service-account namespace. */
    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    /**
     * Without a Kubernetes client: {@code spring.cloud.kubernetes.client.namespace}, else the pod's
     * service-account namespace, else {@code default}. With one, the client's own namespace (which
     * also folds in the kubeconfig context) wins: see {@link #of(String, Environment)}.
     */
    public static GatewayIdentity detect(Environment environment) {
        return detect(environment, SERVICE_ACCOUNT_NAMESPACE);
    }

    static GatewayIdentity detect(Environment environment, Path serviceAccountNamespace) {
        String configured = environment.getProperty("spring.cloud.kubernetes.client.namespace");
        if (configured != null && !configured.isBlank()) {
            return new GatewayIdentity(configured.trim(), "spring.cloud.kubernetes.client.namespace");
        }
        try {
            if (Files.isReadable(serviceAccountNamespace)) {
                String ns = Files.readString(serviceAccountNamespace).trim();
                if (!ns.isEmpty()) {
                    return new GatewayIdentity(ns, "the pod's service account");
                }
            }
        }
        catch (IOException e) {
            // unreadable: fall through to the default
        }
        return new GatewayIdentity("default", "default");
    }

    /** The Kubernetes client's namespace (property, kubeconfig context or service account), else {@link #detect}. */
    public static GatewayIdentity of(String clientNamespace, Environment environment) {
        return clientNamespace == null || clientNamespace.isBlank() ? detect(environment)
                : new GatewayIdentity(clientNamespace, "the Kubernetes client configuration");
    }
}
