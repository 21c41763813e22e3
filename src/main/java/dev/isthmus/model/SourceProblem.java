package dev.isthmus.model;

/**
 * Something a source could not turn into a route: an unreadable object, or one route of it that
 * does not parse. The aggregator reports it like a rejected route, against {@code object}.
 *
 * @param routeId the route's id where the entry could be identified, else null (whole object)
 * @param generation the object's generation the problem was found in (Kubernetes metadata.generation),
 *     so status written back says which version it is about; 0 where the source has none
 */
public record SourceProblem(ObjectRef object, String routeId, ConditionReason reason, String message, long generation) {

    public SourceProblem(ObjectRef object, String routeId, ConditionReason reason, String message) {
        this(object, routeId, reason, message, 0);
    }
}
