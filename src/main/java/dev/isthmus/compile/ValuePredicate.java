package dev.isthmus.compile;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A header or query-parameter predicate. Header names compare case-insensitively (they are stored
 * lower-case); values compare exactly. A multi-valued header or parameter matches when any value does.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValuePredicate(String name, Kind kind, String value, Regex regex) {

    public enum Kind { EXACT, REGEX, PRESENT }

    public boolean test(List<String> values) {
        if (values == null || values.isEmpty()) {
            return false;
        }
        return switch (kind) {
            case PRESENT -> true;
            case EXACT -> values.contains(value);
            case REGEX -> {
                for (String v : values) {
                    if (regex.matchesWhole(v)) {
                        yield true;
                    }
                }
                yield false;
            }
        };
    }
}
