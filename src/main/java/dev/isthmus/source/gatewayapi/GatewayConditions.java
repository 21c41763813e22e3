package dev.isthmus.source.gatewayapi;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * The Gateway API's condition types and reasons that Isthmus writes (gateway.networking.k8s.io/v1,
 * {@code *ConditionType} and {@code *ConditionReason} constants of the API), and one way to build
 * a condition. {@code lastTransitionTime} is left to the status writer, which keeps it while the
 * status stays the same.
 */
public final class GatewayConditions {

    public static final String ACCEPTED = "Accepted";
    public static final String PROGRAMMED = "Programmed";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String CONFLICTED = "Conflicted";
    public static final String PARTIALLY_INVALID = "PartiallyInvalid";

    // GatewayClass, Gateway, Listener, Route
    public static final String REASON_ACCEPTED = "Accepted";
    public static final String REASON_PROGRAMMED = "Programmed";
    public static final String REASON_RESOLVED_REFS = "ResolvedRefs";
    public static final String REASON_INVALID = "Invalid";
    public static final String REASON_LISTENERS_NOT_VALID = "ListenersNotValid";
    public static final String REASON_UNSUPPORTED_ADDRESS = "UnsupportedAddress";
    public static final String REASON_ADDRESS_NOT_ASSIGNED = "AddressNotAssigned";
    public static final String REASON_NO_CONFLICTS = "NoConflicts";
    public static final String REASON_PORT_UNAVAILABLE = "PortUnavailable";
    public static final String REASON_UNSUPPORTED_PROTOCOL = "UnsupportedProtocol";
    public static final String REASON_INVALID_CERTIFICATE_REF = "InvalidCertificateRef";
    public static final String REASON_INVALID_ROUTE_KINDS = "InvalidRouteKinds";
    public static final String REASON_REF_NOT_PERMITTED = "RefNotPermitted";
    public static final String REASON_NOT_ALLOWED_BY_LISTENERS = "NotAllowedByListeners";
    public static final String REASON_NO_MATCHING_LISTENER_HOSTNAME = "NoMatchingListenerHostname";
    public static final String REASON_NO_MATCHING_PARENT = "NoMatchingParent";
    public static final String REASON_UNSUPPORTED_VALUE = "UnsupportedValue";
    public static final String REASON_BACKEND_NOT_FOUND = "BackendNotFound";
    public static final String REASON_INVALID_KIND = "InvalidKind";

    private static final int MAX_MESSAGE = 32 * 1024; // metav1.Condition's limit

    private GatewayConditions() {
    }

    public static Condition condition(String type, boolean status, String reason, String message, Long generation) {
        String text = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason).withMessage(text)
                .withObservedGeneration(generation == null ? 0L : generation).build();
    }
}
