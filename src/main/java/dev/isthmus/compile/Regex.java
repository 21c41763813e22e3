package dev.isthmus.compile;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonValue;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A route author's regular expression, compiled with RE2J: matching takes time linear in the
 * input, whatever the pattern, so no route can stall the request path with catastrophic
 * backtracking. Equality and JSON form are the source text.
 */
public final class Regex {

    private final String source;
    private final Pattern pattern;

    private Regex(String source, Pattern pattern) {
        this.source = source;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException with RE2's reason when the pattern is not valid RE2 syntax */
    public static Regex compile(String source) {
        try {
            return new Regex(source, Pattern.compile(source));
        }
        catch (PatternSyntaxException e) {
            boolean unsupported = e.getDescription().contains("invalid or unsupported Perl syntax")
                    || java.util.regex.Pattern.compile("\\\\[1-9]|\\(\\?<?[=!]").matcher(source).find();
            throw new IllegalArgumentException("invalid regular expression '" + Text.abbreviate(source) + "': " + e.getDescription()
                    + (unsupported ? " (RE2 syntax: no backreferences or lookaround)" : ""));
        }
        catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException("invalid regular expression '" + Text.abbreviate(source) + "': too complex");
        }
    }

    public boolean matchesWhole(String input) {
        return pattern.matches(input);
    }

    public Pattern pattern() {
        return pattern;
    }

    @JsonValue
    public String source() {
        return source;
    }

    public int groupCount() {
        return pattern.groupCount();
    }

    /**
     * The literal text every match must start with, when the pattern is anchored at the start and
     * begins with plain characters: {@code ^/api/v[0-9]+} gives {@code /api/v}. Used to file regex
     * routes under a path prefix in the lookup index.
     */
    public String literalPrefix() {
        if (source.indexOf('|') >= 0) {
            return ""; // an alternation may start anywhere
        }
        String s = source.startsWith("^") ? source.substring(1) : source;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\\.[]{}()*+?^$|".indexOf(c) >= 0) {
                // a quantifier makes the previous character optional or repeated
                if ((c == '*' || c == '?' || c == '{') && !out.isEmpty()) {
                    out.setLength(out.length() - 1);
                }
                break;
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Regex r && r.source.equals(source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source);
    }

    @Override
    public String toString() {
        return source;
    }
}
