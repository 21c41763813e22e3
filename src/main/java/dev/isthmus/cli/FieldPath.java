package dev.isthmus.cli;

import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.isthmus.spec.GatewayRouteSpec;

/**
 * The field a problem is about, taken from its message. Every message of the parser and of the
 * compile units starts with the field it names ({@code timeouts.connect '10h' is more than ...},
 * {@code routes[0] (quote): match.path.prefx: Unrecognized field}, {@code key routes.yaml: ...}),
 * so the path is read off the front and qualified with where the route sits in its object
 * ({@code routes[1].}, {@code spec.}, {@code data.routes.yaml.routes[0].}). Only a path whose
 * first name is a field of the route spec counts, so prose ({@code same hosts and match as ...})
 * is never taken for one.
 */
final class FieldPath {

    /** A message split into the field it names (null: none) and the rest. */
    record Split(String field, String message) {
    }

    private static final Set<String> SPEC_FIELDS = Arrays.stream(GatewayRouteSpec.class.getRecordComponents())
            .map(c -> c.getName()).collect(Collectors.toUnmodifiableSet());
    private static final Pattern KEY = Pattern.compile("^key ([^:]+): (.*)$", Pattern.DOTALL);
    private static final Pattern ENTRY = Pattern.compile("^(routes\\[\\d+\\])(?: \\([^)]*\\))?: (.*)$", Pattern.DOTALL);
    private static final Pattern SPEC = Pattern.compile("^spec: (.*)$", Pattern.DOTALL);
    private static final Pattern PATH = Pattern.compile(
            "^([A-Za-z][A-Za-z0-9]*(?:\\[\\d+\\])?(?:\\.[A-Za-z0-9_-]+(?:\\[\\d+\\])?)*)(?::\\s+|\\s+)(.*)$", Pattern.DOTALL);

    private FieldPath() {
    }

    /**
     * @param prefix where the route sits in its object ({@code routes[1]}, {@code spec}), or "" for
     *     messages about the object itself, which name their own place ({@code key ...: routes[0] ...})
     */
    static Split split(String prefix, String message) {
        String at = prefix;
        String rest = message;
        Matcher m = KEY.matcher(rest);
        if (m.matches()) {
            at = join(at, "data." + m.group(1));
            rest = m.group(2);
        }
        m = ENTRY.matcher(rest);
        if (m.matches()) {
            at = join(at, m.group(1));
            rest = m.group(2);
        }
        m = SPEC.matcher(rest);
        if (m.matches()) {
            at = join(at, "spec");
            rest = m.group(1);
        }
        m = PATH.matcher(rest);
        if (m.matches() && SPEC_FIELDS.contains(firstName(m.group(1)))) {
            at = join(at, m.group(1));
            rest = m.group(2);
        }
        return new Split(at.isEmpty() ? null : at, rest);
    }

    private static String firstName(String path) {
        int end = 0;
        while (end < path.length() && Character.isLetterOrDigit(path.charAt(end))) {
            end++;
        }
        return path.substring(0, end);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }
}
