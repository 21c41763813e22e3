package dev.isthmus.platform.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** API errors as operators need them in a log line. */
public final class KubernetesErrors {

    private KubernetesErrors() {
    }

    /**
     * An API error without the stack: status code and message (which name RBAC and schema
     * problems exactly), with a hint for the usual causes of 401, 403 and 404.
     */
    public static String describe(Throwable error) {
        Throwable e = error;
        while (!(e instanceof KubernetesClientException kce && kce.getCode() > 0) && e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        if (e instanceof KubernetesClientException kce && kce.getCode() > 0) {
            String message = kce.getStatus() != null && kce.getStatus().getMessage() != null ? kce.getStatus().getMessage() : kce.getMessage();
            String hint = switch (kce.getCode()) {
                case 401 -> " (check the credentials in spring.cloud.kubernetes.client.* or the service account token)";
                case 403 -> " (the gateway's service account lacks a permission: see the RBAC in docs/kubernetes.md)";
                case 404 -> " (the API server does not serve this resource: is the GatewayRoute CRD installed?"
                        + " kubectl get crd gatewayroutes.isthmus.dev)";
                default -> "";
            };
            return "HTTP " + kce.getCode() + ": " + message + hint;
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
