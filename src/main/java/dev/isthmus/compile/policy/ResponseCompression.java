package dev.isthmus.compile.policy;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.spec.GatewayRouteSpec;

/**
 * gzip of upstream responses ({@code compression: true}), for clients that accept it. Present only
 * when on; {@code minBytes} is the smallest response (by Content-Length) worth compressing.
 */
public record ResponseCompression(int minBytes) implements RoutePolicy {

    public static final String NAME = "compression";
    /** Below this a gzip header and trailer (18 bytes) and a round of CPU buy little; Spring Boot's own default is 2KB. */
    public static final int MIN_BYTES = 1024;

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<ResponseCompression> {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.FORWARD;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return Boolean.TRUE.equals(spec.compression());
        }

        /** A redirect has no upstream response to compress: accepted, with a warning. */
        @Override
        public boolean rejectedOnRedirect() {
            return false;
        }

        @Override
        public ResponseCompression compile(CompileContext c) {
            return Boolean.TRUE.equals(c.spec().compression()) ? new ResponseCompression(MIN_BYTES) : null;
        }
    }
}
