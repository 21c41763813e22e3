package dev.isthmus.source.gatewayapi;

/**
 * The reasons of the Gateway API conditions Isthmus writes on GatewayClasses, Gateways, their
 * listeners and HTTPRoutes: the API's own {@code *ConditionReason} values
 * (gateway.networking.k8s.io/v1), typed so that a condition cannot carry a reason the API does
 * not define. Kept apart from {@link dev.isthmus.model.ConditionReason}, Isthmus' own route
 * reasons, because they are another API's vocabulary on other objects.
 */
public enum GatewayReason {
    ACCEPTED("Accepted"),
    PROGRAMMED("Programmed"),
    RESOLVED_REFS("ResolvedRefs"),
    INVALID("Invalid"),
    LISTENERS_NOT_VALID("ListenersNotValid"),
    UNSUPPORTED_ADDRESS("UnsupportedAddress"),
    ADDRESS_NOT_ASSIGNED("AddressNotAssigned"),
    NO_CONFLICTS("NoConflicts"),
    PORT_UNAVAILABLE("PortUnavailable"),
    UNSUPPORTED_PROTOCOL("UnsupportedProtocol"),
    INVALID_CERTIFICATE_REF("InvalidCertificateRef"),
    INVALID_ROUTE_KINDS("InvalidRouteKinds"),
    REF_NOT_PERMITTED("RefNotPermitted"),
    NOT_ALLOWED_BY_LISTENERS("NotAllowedByListeners"),
    NO_MATCHING_LISTENER_HOSTNAME("NoMatchingListenerHostname"),
    NO_MATCHING_PARENT("NoMatchingParent"),
    UNSUPPORTED_VALUE("UnsupportedValue"),
    BACKEND_NOT_FOUND("BackendNotFound"),
    INVALID_KIND("InvalidKind");

    private final String value;

    GatewayReason(String value) {
        this.value = value;
    }

    /** As written in {@code conditions[].reason}: {@code NotAllowedByListeners}. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
