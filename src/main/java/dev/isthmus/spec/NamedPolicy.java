package dev.isthmus.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/**
 * An access policy many routes reference by name ({@code auth: {policy: <name>}}, or the Consul tag
 * {@code isthmus.auth=<name>}): authentication and client address lists. Declared in a routes
 * document's {@code policies:} list (with a {@code name}) or as {@code isthmus.auth.policies.<name>}.
 *
 * @param auth jwt, forward and/or basic; a policy cannot name another policy
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NamedPolicy(
        @JsonPropertyDescription("Authentication of every route that references this policy.")
        Auth auth,
        @JsonPropertyDescription("Client addresses (CIDRs) allowed; others get 403.")
        @Size(max = GatewayRouteSpec.MAX_CIDRS) List<String> ipAllow,
        @JsonPropertyDescription("Client addresses (CIDRs) refused with 403.")
        @Size(max = GatewayRouteSpec.MAX_CIDRS) List<String> ipDeny) {

    /** Policy names: lower-case letters, digits, '-' and '.', as Kubernetes object names. */
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$";
}
