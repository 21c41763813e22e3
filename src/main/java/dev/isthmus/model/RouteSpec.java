package dev.isthmus.model;

import java.util.Objects;

import dev.isthmus.spec.GatewayRouteSpec;

/**
 * The one route model every source emits: an authored spec, its globally unique id and its
 * provenance. Nothing downstream of the sources knows which source produced it, except through
 * {@link #provenance()} for status and diagnostics.
 *
 * @param id unique across all sources, e.g. {@code file/echo}, {@code gatewayroute/shop/quote}
 * @param name the route's own name within its source object
 */
public record RouteSpec(String id, String name, Provenance provenance, GatewayRouteSpec spec) {

    public RouteSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(spec, "spec");
    }
}
