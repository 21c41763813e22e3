package dev.isthmus.compile;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.model.ObjectRef;

/**
 * The compile verdict for one route (or one unreadable source object when {@code routeId} is
 * null): the {@code Accepted} condition written back to its source.
 *
 * @param reason {@code Accepted}, or why not: {@code InvalidSpec}, {@code InvalidHost},
 *     {@code InvalidPath}, {@code InvalidBackend}, {@code Conflicted}...
 * @param message for people: exact and actionable; for accepted routes, warnings if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteStatus(String routeId, ObjectRef object, long generation, boolean accepted, String reason, String message) {

    public static final String ACCEPTED = "Accepted";

    public static RouteStatus accepted(CompiledRoute route, String message) {
        return new RouteStatus(route.id(), route.provenance().object(), route.provenance().generation(), true, ACCEPTED, message);
    }
}
