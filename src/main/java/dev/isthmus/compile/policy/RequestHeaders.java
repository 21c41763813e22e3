package dev.isthmus.compile.policy;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.spec.GatewayRouteSpec;

/** Edits of the request headers sent upstream ({@code requestHeaders}). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RequestHeaders(List<String> remove, Map<String, String> set, Map<String, String> add) implements HeaderEdits {

    public static final String NAME = "requestHeaders";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RequestHeaders redacted() {
        return new RequestHeaders(remove, HeaderEdits.redact(set), HeaderEdits.redact(add));
    }

    public static HeaderEdits.Compiler<RequestHeaders> compiler() {
        return new HeaderEdits.Compiler<>(NAME, GatewayRouteSpec::requestHeaders, RequestHeaders::new);
    }
}
