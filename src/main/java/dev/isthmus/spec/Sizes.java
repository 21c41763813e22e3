package dev.isthmus.spec;

/**
 * The size syntax of {@code maxRequestBody} (and its Consul tag), enforced by the CRD schema and the compiler:
 * a whole number of bytes, optionally with a unit B, KB, MB or GB. Units are powers of 1024, as in
 * Spring's {@code DataSize}, so a route's {@code 10MB} means what {@code isthmus.routes.max-request-body=10MB} means.
 */
public final class Sizes {

    public static final String PATTERN = "^[0-9]{1,15}(B|KB|MB|GB)?$";

    /**
     * The largest {@code maxRequestBody} a route may declare. No operator property caps other route limits
     * (they are bounded by spec constants like this one), so neither does one cap this.
     */
    public static final long MAX_REQUEST_BODY = 64L << 30; // 64GB
    public static final String MAX_REQUEST_BODY_TEXT = "64GB";

    private Sizes() {
    }
}
