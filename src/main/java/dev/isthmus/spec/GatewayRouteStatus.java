package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;

/** What the gateway made of a GatewayRoute: conditions Accepted and ResolvedRefs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GatewayRouteStatus(
        @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
        Long observedGeneration,
        @JsonPropertyDescription("Accepted: whether the route is valid and serving (False with the reason and every problem). ResolvedRefs: whether every backend has a routable instance.")
        @SchemaFrom(type = StatusCondition[].class) List<Condition> conditions) {
}
