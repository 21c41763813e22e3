package dev.isthmus.platform.consul;

import java.util.List;
import java.util.Locale;

/**
 * An instance's aggregate health: the worst of its own checks and its node's checks (Consul's
 * {@code serfHealth}, maintenance mode, custom node checks), as Consul's {@code ?passing} filter
 * judges it. An unknown status counts as critical.
 */
public enum HealthStatus {
    PASSING,
    WARNING,
    CRITICAL;

    static HealthStatus of(String consulStatus) {
        if (consulStatus == null) {
            return CRITICAL;
        }
        return switch (consulStatus.toLowerCase(Locale.ROOT)) {
            case "passing" -> PASSING;
            case "warning" -> WARNING;
            default -> CRITICAL; // critical, maintenance, anything unknown
        };
    }

    static HealthStatus worst(List<ConsulJson.Check> checks) {
        HealthStatus worst = PASSING;
        if (checks != null) {
            for (ConsulJson.Check c : checks) {
                HealthStatus s = of(c.status());
                if (s.ordinal() > worst.ordinal()) {
                    worst = s;
                }
            }
        }
        return worst;
    }

    /** Routable: passing, or warning when {@code isthmus.consul.accept-warning} is set. */
    public boolean routable(boolean acceptWarning) {
        return this == PASSING || (acceptWarning && this == WARNING);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
