package dev.isthmus.source.gatewayapi;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * The Gateway API's condition types that Isthmus writes (gateway.networking.k8s.io/v1,
 * {@code *ConditionType} constants of the API; the reasons are {@link GatewayReason}), and one way
 * to build a condition. {@code lastTransitionTime} is left to the status writer, which keeps it while the
 * status stays the same.
 */
public final class GatewayConditions {

    public static final String ACCEPTED = "Accepted";
    public static final String PROGRAMMED = "Programmed";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String CONFLICTED = "Conflicted";
    public static final String PARTIALLY_INVALID = "PartiallyInvalid";


    private static final int MAX_MESSAGE = 32 * 1024; // metav1.Condition's limit

    private GatewayConditions() {
    }

    public static Condition condition(String type, boolean status, GatewayReason reason, String message, Long generation) {
        String text = message == null ? "" : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason.value()).withMessage(text)
                .withObservedGeneration(generation == null ? 0L : generation).build();
    }
}
