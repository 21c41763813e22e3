package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The CRD schema of one {@code status.conditions[]} entry: the fields of fabric8's {@code Condition}
 * (Kubernetes' metav1.Condition), which carries no descriptions, with the meaning Kubernetes gives
 * them. Only the CRD generator reads it ({@code @SchemaFrom} on {@link GatewayRouteStatus}).
 */
record StatusCondition(
        @JsonPropertyDescription("Accepted or ResolvedRefs.")
        String type,
        @JsonPropertyDescription("True, False or Unknown.")
        String status,
        @JsonPropertyDescription("A CamelCase reason for the status, e.g. InvalidSpec, Conflicted, BackendNotFound.")
        String reason,
        @JsonPropertyDescription("What the gateway found, for a person: every problem of a rejected route at once.")
        String message,
        @JsonPropertyDescription("The metadata.generation this condition was computed from.")
        Long observedGeneration,
        @JsonPropertyDescription("When the status last changed (RFC 3339).")
        String lastTransitionTime) {
}
