package dev.isthmus.model;

/** Where a route was declared. */
public enum SourceKind {
    FILE("file"),
    GATEWAY_ROUTE("gatewayroute"),
    CONFIG_MAP("configmap"),
    CONSUL("consul"),
    /** Kubernetes Gateway API HTTPRoutes (gateway.networking.k8s.io/v1). */
    HTTP_ROUTE("httproute"),
    /** The gateway's own configuration ({@code isthmus.*} properties): named policies of the operator. */
    PROPERTIES("properties");

    private final String label;

    SourceKind(String label) {
        this.label = label;
    }

    /** Short lower-case name used in route ids, metrics tags and admin output. */
    public String label() {
        return label;
    }
}
