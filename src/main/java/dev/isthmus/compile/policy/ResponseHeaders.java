package dev.isthmus.compile.policy;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.spec.GatewayRouteSpec;

/** Edits of the response headers sent to the client ({@code responseHeaders}). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ResponseHeaders(List<String> remove, Map<String, String> set, Map<String, String> add) implements HeaderEdits {

    public static final String NAME = "responseHeaders";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ResponseHeaders redacted() {
        return new ResponseHeaders(remove, HeaderEdits.redact(set), HeaderEdits.redact(add));
    }

    public static HeaderEdits.Compiler<ResponseHeaders> compiler() {
        return new HeaderEdits.Compiler<>(NAME, GatewayRouteSpec::responseHeaders, ResponseHeaders::new);
    }
}
