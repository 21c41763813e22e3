package dev.isthmus.compile;

import dev.isthmus.spec.Sizes;

/** Parses the size syntax of {@link Sizes#PATTERN}: {@code 1048576}, {@code 512KB}, {@code 10MB}, {@code 1GB}. */
public final class SizeParser {

    private static final java.util.regex.Pattern SYNTAX = java.util.regex.Pattern.compile(Sizes.PATTERN);

    private SizeParser() {
    }

    /** @throws IllegalArgumentException with a message fit for a route author */
    public static long parse(String text) {
        if (text == null || !SYNTAX.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + Text.abbreviate(text, 40) + "' is not a size (examples: 65536, 512KB, 10MB, 1GB)");
        }
        int digits = 0;
        while (digits < text.length() && Character.isDigit(text.charAt(digits))) {
            digits++;
        }
        long n = Long.parseLong(text.substring(0, digits)); // at most 15 digits: no overflow here
        int shift = switch (text.substring(digits)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
        return n << shift;
    }
}
