package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;

/** What the gateway made of a GatewayRoute: conditions Accepted and ResolvedRefs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GatewayRouteStatus(Long observedGeneration, List<Condition> conditions) {
}
