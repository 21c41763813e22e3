package dev.isthmus.spec;

/** The duration syntax shared by every duration field, enforced by the CRD schema and the compiler. */
public final class Durations {

    /** One or more {@code <number><unit>} terms, units ms, s, m, h: {@code 250ms}, {@code 1m30s}. */
    public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

    private Durations() {
    }
}
