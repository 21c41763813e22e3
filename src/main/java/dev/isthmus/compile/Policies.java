package dev.isthmus.compile;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A route's compiled policies, by name, in compile order (which is the order a runtime applies
 * them in). Value-comparable: two routes with equal policies behave the same.
 */
public final class Policies {

    public static final Policies NONE = new Policies(List.of());

    private final Map<String, RoutePolicy> byName;

    public Policies(List<? extends RoutePolicy> policies) {
        Map<String, RoutePolicy> map = new LinkedHashMap<>();
        for (RoutePolicy p : policies) {
            if (map.putIfAbsent(p.name(), p) != null) {
                throw new IllegalArgumentException("two policies named " + p.name());
            }
        }
        this.byName = java.util.Collections.unmodifiableMap(map);
    }

    /** The policy of this type, or null. */
    public <P extends RoutePolicy> P get(Class<P> type) {
        for (RoutePolicy p : byName.values()) {
            if (type.isInstance(p)) {
                return type.cast(p);
            }
        }
        return null;
    }

    public RoutePolicy get(String name) {
        return byName.get(name);
    }

    public Collection<RoutePolicy> all() {
        return byName.values();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    @JsonValue
    Map<String, RoutePolicy> asMap() {
        return byName;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Policies p && p.byName.equals(byName);
    }

    @Override
    public int hashCode() {
        return byName.hashCode();
    }

    @Override
    public String toString() {
        return byName.toString();
    }
}
