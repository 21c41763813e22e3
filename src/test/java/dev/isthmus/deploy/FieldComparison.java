package dev.isthmus.deploy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What an author wrote (a YAML 1.2 reading: maps, lists, strings, numbers, booleans) against what
 * the API server stored (its JSON), field by field. Every written field must be there with the
 * same value: a field a YAML 1.1 reader renamed ({@code on} to {@code true}) or retyped
 * ({@code yes} to {@code true}), or the server pruned, shows as missing or different. Below the
 * paths given as exact, the stored object may not have fields the author did not write either
 * (elsewhere the API server adds its defaults). Quantities compare by amount ({@code 1024Mi} is
 * stored as {@code 1Gi}). Built-in kinds are Go structs whose zero values the API server omits
 * ({@code priority: 0} of a printer column): for them, a written 0, false or "" that is not stored
 * counts as stored; custom resources keep what they were given, so for them it does not.
 */
final class FieldComparison {

    private int compared;
    private final List<String> differences = new ArrayList<>();
    private final Predicate<String> exact;
    private final boolean omitsZeroValues;

    private FieldComparison(Predicate<String> exact, boolean omitsZeroValues) {
        this.exact = exact;
        this.omitsZeroValues = omitsZeroValues;
    }

    /** @param exact paths ({@code .spec}, {@code .spec.versions[].schema}; list indexes as {@code []}) compared both ways */
    static FieldComparison of(Object written, JsonNode stored, Predicate<String> exact, boolean builtInKind) {
        FieldComparison c = new FieldComparison(exact, builtInKind);
        c.compare("", written, stored, exact.test(""));
        return c;
    }

    int compared() {
        return compared;
    }

    List<String> differences() {
        return differences;
    }

    boolean same() {
        return differences.isEmpty();
    }

    private void compare(String path, Object w, JsonNode s, boolean exactHere) {
        if (w instanceof Map<?, ?> map) {
            if (s == null || !s.isObject()) {
                differences.add(path + ": written a map, stored " + s);
                return;
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                String child = path + "." + key;
                JsonNode value = s.get(key);
                if (value == null && omitsZeroValues && isZero(e.getValue())) {
                    compared++;
                    continue;
                }
                if (value == null && e.getValue() != null) {
                    differences.add(child + ": written " + abbreviate(e.getValue()) + ", not stored (keys stored: " + keys(s) + ")");
                    continue;
                }
                compare(child, e.getValue(), value, exactHere || exact.test(normalize(child)));
            }
            if (exactHere) {
                for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                    String key = it.next();
                    if (!containsKey(map, key)) {
                        differences.add(path + "." + key + ": stored " + abbreviate(s.get(key)) + ", never written");
                    }
                }
            }
        }
        else if (w instanceof List<?> list) {
            if (s == null || !s.isArray() || s.size() != list.size()) {
                differences.add(path + ": written a list of " + list.size() + ", stored " + abbreviate(s));
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                compare(path + "[" + i + "]", list.get(i), s.get(i), exactHere);
            }
        }
        else {
            compared++;
            if (!sameScalar(path, w, s)) {
                differences.add(path + ": written " + describe(w) + ", stored " + (s == null ? "nothing" : s.toString()));
            }
        }
    }

    private static boolean sameScalar(String path, Object w, JsonNode s) {
        if (w == null) {
            return s == null || s.isNull();
        }
        if (s == null || s.isNull()) {
            return false;
        }
        if (w instanceof String str) {
            return s.isTextual() && s.asText().equals(str) || quantity(path) && sameQuantity(str, s);
        }
        if (w instanceof Boolean b) {
            return s.isBoolean() && s.booleanValue() == b;
        }
        if (w instanceof Number n) {
            if (s.isNumber()) {
                return new BigDecimal(n.toString()).compareTo(s.decimalValue()) == 0;
            }
            return quantity(path) && sameQuantity(n.toString(), s);
        }
        return s.asText().equals(w.toString());
    }

    private static boolean isZero(Object v) {
        return v instanceof Number n && new BigDecimal(n.toString()).signum() == 0 || Boolean.FALSE.equals(v) || "".equals(v);
    }

    private static boolean quantity(String path) {
        return path.contains(".resources.") || path.endsWith(".sizeLimit");
    }

    private static boolean sameQuantity(String written, JsonNode s) {
        try {
            return Quantity.parse(written).getNumericalAmount().compareTo(Quantity.parse(s.asText()).getNumericalAmount()) == 0;
        }
        catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean containsKey(Map<?, ?> map, String key) {
        return map.keySet().stream().anyMatch(k -> key.equals(String.valueOf(k)));
    }

    private static String normalize(String path) {
        return path.replaceAll("\\[\\d+]", "[]");
    }

    private static String keys(JsonNode s) {
        List<String> out = new ArrayList<>();
        s.fieldNames().forEachRemaining(out::add);
        return out.toString();
    }

    private static String describe(Object w) {
        return w instanceof String ? "\"" + w + "\"" : w + " (" + w.getClass().getSimpleName() + ")";
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
