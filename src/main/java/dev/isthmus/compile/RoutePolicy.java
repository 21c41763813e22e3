package dev.isthmus.compile;

/**
 * The compiled form of one route policy (rewrite, retries, CORS...): an immutable, value-comparable
 * record, free of runtime types, so that any runtime (Spring Cloud Gateway's filter chain, or a data
 * plane of its own) can serve it. Each runtime looks its part up by {@link #name()}, as Spring Cloud
 * Gateway looks filter factories up by name.
 */
public interface RoutePolicy {

    /** The policy's name: the spec field it is compiled from ({@code retries}, {@code circuitBreaker}). */
    String name();
}
