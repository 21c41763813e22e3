package dev.isthmus.compile;

import java.util.List;

/** A route failed validation; {@link #reason()} is the condition reason of the first problem. */
public final class InvalidRouteException extends Exception {

    private final String reason;

    InvalidRouteException(List<Problem> problems) {
        super(String.join("; ", problems.stream().map(Problem::message).toList()), null, false, false);
        this.reason = problems.get(0).reason();
    }

    public String reason() {
        return reason;
    }

    record Problem(String reason, String message) {
    }
}
