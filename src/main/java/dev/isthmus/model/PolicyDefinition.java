package dev.isthmus.model;

import java.util.Objects;

import dev.isthmus.spec.NamedPolicy;

/**
 * A named access policy as a source declared it, with who may reference it: a gateway-wide policy
 * (the operator's: the routes file, {@code isthmus.auth.policies}) is visible to every route; a
 * local one (a ConfigMap's {@code policies:}) only to the routes of the object that declares it,
 * so one tenant's policy never decides another tenant's traffic.
 *
 * @param object where it was declared (status and errors name it)
 */
public record PolicyDefinition(String name, ObjectRef object, boolean gatewayWide, NamedPolicy spec) {

    public PolicyDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(spec, "spec");
    }
}
