package dev.isthmus.compile;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.model.ConditionReason;
import dev.isthmus.model.ObjectRef;

/**
 * The compile verdict for one route (or one unreadable source object when {@code routeId} is
 * null): the {@code Accepted} condition written back to its source.
 *
 * @param reason {@link ConditionReason#ACCEPTED}, or why not: the first problem's reason
 * @param message for people: every problem, exact and actionable, joined by "; "; for accepted
 *     routes, warnings if any
 * @param problems every problem with its own reason (empty when accepted)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteStatus(String routeId, ObjectRef object, long generation, boolean accepted, ConditionReason reason, String message,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Problem> problems) {

    public static final ConditionReason ACCEPTED = ConditionReason.ACCEPTED;

    public RouteStatus {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    public static RouteStatus accepted(CompiledRoute route, String message) {
        return new RouteStatus(route.id(), route.provenance().object(), route.provenance().generation(), true, ACCEPTED, message, List.of());
    }

    /** Rejected for these problems: the reason is the first one's, the message lists them all. */
    public static RouteStatus rejected(String routeId, ObjectRef object, long generation, List<Problem> problems) {
        return new RouteStatus(routeId, object, generation, false, problems.get(0).reason(),
                String.join("; ", problems.stream().map(Problem::message).toList()), problems);
    }
}
