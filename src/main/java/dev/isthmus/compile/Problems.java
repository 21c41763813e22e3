package dev.isthmus.compile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.isthmus.model.ConditionReason;

/**
 * Collects every problem (and warning) of one route while it compiles, so its author sees them all
 * at once; each part of the compiler (match, backends, action, one unit per policy) reports here.
 */
public final class Problems {

    private final List<Problem> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    public void fail(ConditionReason reason, String message) {
        problems.add(new Problem(reason, message));
    }

    /** Accepted, but worth telling the author: shown in the Accepted condition's message. */
    public void warn(String message) {
        warnings.add(message);
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<Problem> list() {
        return List.copyOf(problems);
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    // --- field readers shared by the compile units; problems are InvalidPolicy ---

    /** A duration field, at least 1 ms and at most {@code max}; null when absent or invalid. */
    public Duration duration(String field, String text, Duration max) {
        return duration(ConditionReason.INVALID_POLICY, field, text, max);
    }

    /** The same, reported with {@code reason}. */
    public Duration duration(ConditionReason reason, String field, String text, Duration max) {
        if (text == null) {
            return null;
        }
        try {
            Duration d = DurationParser.parse(text);
            if (d.compareTo(Duration.ofMillis(1)) < 0) {
                fail(reason, field + " must be at least 1ms");
                return null;
            }
            if (d.compareTo(max) > 0) {
                fail(reason, field + " '" + text + "' is more than the maximum of " + human(max));
                return null;
            }
            return d;
        }
        catch (IllegalArgumentException e) {
            fail(reason, field + ": " + e.getMessage());
            return null;
        }
    }

    /** An integer field in {@code [min, max]}; {@code dflt} when absent (a negative default means required). */
    public int intIn(String field, Integer value, int dflt, int min, int max) {
        if (value == null) {
            if (dflt < 0) {
                fail(ConditionReason.INVALID_POLICY, field + " is required");
            }
            return dflt;
        }
        if (value < min || value > max) {
            fail(ConditionReason.INVALID_POLICY, field + " must be " + min + "-" + max);
            return dflt;
        }
        return value;
    }

    private static String human(Duration d) {
        return d.toHours() >= 1 ? d.toHours() + "h" : d.toMinutes() >= 1 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }
}
