package dev.isthmus.source.kubernetes;

import java.util.Map;
import java.util.Objects;

/**
 * Which routes this gateway serves, so that gateways of different classes can share a cluster
 * ({@code isthmus.kubernetes.gateway-class}). A route's class is its {@code spec.gatewayClassName},
 * else the {@code isthmus.dev/gateway-class} annotation of its object. A gateway with a class serves
 * exactly the routes of that class; a gateway without one serves the routes without a class.
 * Routes of another class are ignored: not served, not rejected, no status written.
 */
public record GatewayClassSelector(String gatewayClass) {

    public static final String ANNOTATION = "isthmus.dev/gateway-class";

    public GatewayClassSelector {
        gatewayClass = blankToNull(gatewayClass);
    }

    public boolean serves(String specClass, Map<String, String> annotations) {
        return Objects.equals(classOf(specClass, annotations), gatewayClass);
    }

    /** The route's class, or null when it has none. */
    public static String classOf(String specClass, Map<String, String> annotations) {
        String fromSpec = blankToNull(specClass);
        if (fromSpec != null) {
            return fromSpec;
        }
        return annotations == null ? null : blankToNull(annotations.get(ANNOTATION));
    }

    /** For logs: {@code class 'public'} or {@code no class}. */
    public String describe() {
        return gatewayClass == null ? "routes without a gateway class" : "routes of gateway class '" + gatewayClass + "'";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
