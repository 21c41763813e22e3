package dev.isthmus.compile.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.HeaderOperations;

/**
 * Header edits: remove, then set, then add. Names are as written; HTTP compares them
 * case-insensitively. {@link RequestHeaders} and {@link ResponseHeaders} are the two policies.
 */
public sealed interface HeaderEdits extends RoutePolicy permits RequestHeaders, ResponseHeaders {

    List<String> remove();

    Map<String, String> set();

    Map<String, String> add();

    /** What the admin endpoints show instead of a header value: values carry upstream credentials. */
    String REDACTED = "******";

    @JsonIgnore
    default boolean isEmpty() {
        return remove().isEmpty() && set().isEmpty() && add().isEmpty();
    }

    /** The same edits with every value replaced by {@link #REDACTED}, for the admin endpoints. */
    HeaderEdits redacted();

    /** The names of {@code values}, each with {@link #REDACTED} as its value. */
    static Map<String, String> redact(Map<String, String> values) {
        if (values.isEmpty()) {
            return values;
        }
        Map<String, String> out = new LinkedHashMap<>();
        values.keySet().forEach(k -> out.put(k, REDACTED));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The compile unit of one direction's edits (kept in the order written); routes without edits have no such policy. */
    final class Compiler<E extends HeaderEdits> implements PolicyCompiler<E> {

        interface Factory<E> {
            E create(List<String> remove, Map<String, String> set, Map<String, String> add);
        }

        private final String name;
        private final Function<GatewayRouteSpec, HeaderOperations> field;
        private final Factory<E> factory;

        Compiler(String name, Function<GatewayRouteSpec, HeaderOperations> field, Factory<E> factory) {
            this.name = name;
            this.field = field;
            this.factory = factory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Scope scope() {
            return Scope.FORWARD;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return field.apply(spec) != null;
        }

        /** A redirect never reaches a backend, nor sends its response: the edits are accepted, with a warning. */
        @Override
        public boolean rejectedOnRedirect() {
            return false;
        }

        @Override
        public E compile(CompileContext c) {
            HeaderOperations ops = field.apply(c.spec());
            if (ops == null) {
                return null;
            }
            Problems p = c.problems();
            List<String> remove = new ArrayList<>();
            Map<String, String> set = new LinkedHashMap<>();
            Map<String, String> add = new LinkedHashMap<>();
            if (ops.remove() != null) {
                for (String header : ops.remove()) {
                    if (checkName(p, name + ".remove", header)) {
                        remove.add(header);
                    }
                }
            }
            values(p, name + ".set", ops.set(), set);
            values(p, name + ".add", ops.add(), add);
            return remove.isEmpty() && set.isEmpty() && add.isEmpty() ? null
                    : factory.create(List.copyOf(remove), java.util.Collections.unmodifiableMap(set), java.util.Collections.unmodifiableMap(add));
        }

        private static void values(Problems p, String where, Map<String, String> in, Map<String, String> out) {
            if (in == null) {
                return;
            }
            for (var h : in.entrySet()) {
                if (!checkName(p, where, h.getKey())) {
                    continue;
                }
                String value = h.getValue() == null ? "" : h.getValue();
                if (value.length() > HeaderOperations.MAX_VALUE || Text.hasControl(value)) {
                    p.fail(ConditionReason.INVALID_HEADERS, where + "." + h.getKey() + " must be at most " + HeaderOperations.MAX_VALUE
                            + " characters without control characters (CR/LF would split the header)");
                    continue;
                }
                if (value.indexOf('{') >= 0 || value.indexOf('}') >= 0) {
                    // Spring Cloud Gateway's header filters expand {name} as URI template variables.
                    p.fail(ConditionReason.INVALID_HEADERS, where + "." + h.getKey() + ": '{' and '}' are reserved in header values");
                    continue;
                }
                out.put(h.getKey(), value);
            }
        }

        private static boolean checkName(Problems p, String where, String header) {
            if (!HeaderNames.isToken(header)) {
                p.fail(ConditionReason.INVALID_HEADERS, where + ": '" + Text.abbreviate(header) + "' is not a valid header name");
                return false;
            }
            if (HeaderNames.isHopByHop(header)) {
                p.fail(ConditionReason.INVALID_HEADERS, where + ": " + header + " is managed by the proxy"
                        + (header.equalsIgnoreCase("host") ? " (use hostRewrite)" : ""));
                return false;
            }
            return true;
        }
    }
}
