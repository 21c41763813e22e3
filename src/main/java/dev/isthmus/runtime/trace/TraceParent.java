package dev.isthmus.runtime.trace;

/**
 * A W3C {@code traceparent} value (version 00 layout, {@code 00-<32 hex>-<16 hex>-<2 hex>}), read
 * only to link an untrusted client's trace: Micrometer's {@code Propagator.extract} hands back a
 * span builder with the parent already set, never the context itself, so a link needs its own
 * reading. Strict: anything else (wrong length, upper case, all-zero ids, version ff) is no
 * context at all. Later versions may append fields after the flags (W3C Trace Context §3.2.4).
 */
record TraceParent(String traceId, String spanId, boolean sampled) {

    static final String HEADER = "traceparent";

    static TraceParent parse(String value) {
        if (value == null || value.length() < 55 || (value.length() > 55 && value.charAt(55) != '-')) {
            return null;
        }
        if (value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return null;
        }
        String version = value.substring(0, 2);
        if (!hex(version) || version.equals("ff") || (version.equals("00") && value.length() != 55)) {
            return null;
        }
        String traceId = value.substring(3, 35);
        String spanId = value.substring(36, 52);
        String flags = value.substring(53, 55);
        if (!hex(traceId) || !hex(spanId) || !hex(flags) || zeros(traceId) || zeros(spanId)) {
            return null;
        }
        return new TraceParent(traceId, spanId, (Integer.parseInt(flags, 16) & 1) == 1);
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
