package dev.isthmus.compile;

import java.math.BigDecimal;
import java.time.Duration;

import dev.isthmus.spec.Durations;

/** Parses the duration syntax of {@link Durations#PATTERN}: {@code 250ms}, {@code 1.5s}, {@code 1m30s}. */
public final class DurationParser {

    private static final java.util.regex.Pattern SYNTAX = java.util.regex.Pattern.compile(Durations.PATTERN);
    private static final java.util.regex.Pattern TERM = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private DurationParser() {
    }

    /** @throws IllegalArgumentException with a message fit for a route author */
    public static Duration parse(String text) {
        if (text == null || text.length() > 64 || !SYNTAX.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + Text.abbreviate(text, 40) + "' is not a duration (examples: 250ms, 2s, 1m30s, 1h)");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        var m = TERM.matcher(text);
        while (m.find()) {
            BigDecimal n = new BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
            if (nanos.compareTo(MAX_NANOS) > 0) {
                throw new IllegalArgumentException("'" + Text.abbreviate(text, 40) + "' is too long a duration");
            }
        }
        return Duration.ofNanos(nanos.longValue());
    }
}
