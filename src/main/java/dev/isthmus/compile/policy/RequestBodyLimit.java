package dev.isthmus.compile.policy;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.SizeParser;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.Sizes;

/**
 * The route's own request body limit ({@code maxRequestBody}), overriding the gateway's
 * {@code isthmus.routes.max-request-body}. Absent when the route does not set one: the runtime then
 * applies the gateway default, so changing that default does not change any route's IR.
 */
public record RequestBodyLimit(long maxBytes) implements RoutePolicy {

    public static final String NAME = "maxRequestBody";

    @Override
    public String name() {
        return NAME;
    }

    public static final class Compiler implements PolicyCompiler<RequestBodyLimit> {
        @Override
        public String name() {
            return NAME;
        }

        /** A redirect route receives bodies too (a POST to it): the limit applies to every route. */
        @Override
        public Scope scope() {
            return Scope.ROUTE;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.maxRequestBody() != null;
        }

        @Override
        public RequestBodyLimit compile(CompileContext c) {
            String text = c.spec().maxRequestBody();
            if (text == null) {
                return null;
            }
            long bytes;
            try {
                bytes = SizeParser.parse(text);
            }
            catch (IllegalArgumentException e) {
                c.problems().fail(ConditionReason.INVALID_POLICY, "maxRequestBody: " + e.getMessage());
                return null;
            }
            if (bytes > Sizes.MAX_REQUEST_BODY) {
                c.problems().fail(ConditionReason.INVALID_POLICY,
                        "maxRequestBody '" + text + "' is more than the maximum of " + Sizes.MAX_REQUEST_BODY_TEXT);
                return null;
            }
            return new RequestBodyLimit(bytes);
        }
    }
}
