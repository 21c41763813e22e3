package dev.isthmus.source.gatewayapi.conformance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the expected request/response pairs out of the Gateway API conformance suite's Go test
 * files ({@code http.ExpectedResponse{...}} composite literals), so the ported cases use the
 * upstream expectations as they are, not a transcription. A small tokenizer and a
 * recursive-descent reader for Go composite literals: keyed structs become maps, slices lists,
 * strings and numbers themselves; identifiers are looked up among the file's {@code name := "..."}
 * assignments; anything else (a function call, an unknown identifier) becomes {@link #UNRESOLVED},
 * and the literal holding it is reported rather than guessed.
 */
final class GoLiterals {

    /** A value this reader cannot know (a call, a variable it has no string for). */
    static final Object UNRESOLVED = new Object() {
        @Override
        public String toString() {
            return "<unresolved>";
        }
    };

    /** Calls whose value is their one argument's: pointer helpers and numeric conversions. */
    private static final java.util.Set<String> IDENTITY_CALLS = java.util.Set.of("ptr.To", "int32", "int64", "int", "float64");

    private record Token(String kind, String text) {
        boolean is(String t) {
            return text.equals(t) && !kind.equals("string");
        }
    }

    private final List<Token> tokens;
    private final Map<String, String> symbols = new HashMap<>();
    private int pos;

    private GoLiterals(String source) {
        this.tokens = tokenize(source);
    }

    /** Every {@code http.ExpectedResponse} literal of the file, in source order. */
    static List<Map<String, Object>> expectedResponses(String goSource) {
        GoLiterals r = new GoLiterals(goSource);
        List<Map<String, Object>> out = new ArrayList<>();
        List<Token> t = r.tokens;
        for (r.pos = 0; r.pos < t.size(); r.pos++) {
            if (r.pos + 2 < t.size() && t.get(r.pos).kind().equals("ident") && (t.get(r.pos + 1).is(":=") || t.get(r.pos + 1).is("="))
                    && t.get(r.pos + 2).kind().equals("string")) {
                r.symbols.put(t.get(r.pos).text(), t.get(r.pos + 2).text());
            }
            if (r.at("[", "]", "http", ".", "ExpectedResponse", "{")) {
                r.pos += 5;
                for (Object element : r.list()) {
                    if (element instanceof Map<?, ?> m) {
                        out.add(cast(m));
                    }
                }
                r.pos--;
            }
            else if (r.at("http", ".", "ExpectedResponse", "{")) {
                r.pos += 3;
                Object v = r.composite();
                if (v instanceof Map<?, ?> m) {
                    out.add(cast(m));
                }
                r.pos--;
            }
        }
        return out;
    }

    /** The string of a {@code Field: "..."} or {@code Field: []string{"..."}} in the file's first composite literal of that type. */
    static List<String> manifests(String goSource) {
        GoLiterals r = new GoLiterals(goSource);
        for (r.pos = 0; r.pos < r.tokens.size(); r.pos++) {
            if (r.at("Manifests", ":", "[", "]", "string", "{")) {
                r.pos += 5;
                return r.list().stream().map(String::valueOf).toList();
            }
        }
        return List.of();
    }

    /** The {@code ShortName} of every {@code suite.ConformanceTest} in the file. */
    static List<String> shortNames(String goSource) {
        GoLiterals r = new GoLiterals(goSource);
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 2 < r.tokens.size(); i++) {
            if (r.tokens.get(i).is("ShortName") && r.tokens.get(i + 1).is(":") && r.tokens.get(i + 2).kind().equals("string")) {
                names.add(r.tokens.get(i + 2).text());
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private boolean at(String... texts) {
        if (pos + texts.length > tokens.size()) {
            return false;
        }
        for (int i = 0; i < texts.length; i++) {
            if (!tokens.get(pos + i).is(texts[i])) {
                return false;
            }
        }
        return true;
    }

    /** After an opening brace: the composite's contents up to its closing brace. */
    private Object composite() {
        expect("{");
        if (pos + 1 < tokens.size() && tokens.get(pos).kind().equals("ident") && tokens.get(pos + 1).is(":")) {
            Map<String, Object> fields = new LinkedHashMap<>();
            while (!tokens.get(pos).is("}")) {
                String key = tokens.get(pos).text();
                pos++;
                expect(":");
                fields.put(key, rest(value()));
                if (tokens.get(pos).is(",")) {
                    pos++;
                }
            }
            pos++;
            return fields;
        }
        if (pos + 1 < tokens.size() && tokens.get(pos).kind().equals("string") && tokens.get(pos + 1).is(":")) {
            Map<String, Object> entries = new LinkedHashMap<>();
            while (!tokens.get(pos).is("}")) {
                String key = tokens.get(pos).text();
                pos++;
                expect(":");
                entries.put(key, rest(value()));
                if (tokens.get(pos).is(",")) {
                    pos++;
                }
            }
            pos++;
            return entries;
        }
        pos--;
        return list();
    }

    /** After an opening brace: the elements up to its closing brace. */
    private List<Object> list() {
        expect("{");
        List<Object> items = new ArrayList<>();
        while (!tokens.get(pos).is("}")) {
            items.add(rest(value()));
            if (tokens.get(pos).is(",")) {
                pos++;
            }
        }
        pos++;
        return items;
    }

    private Object value() {
        Token t = tokens.get(pos);
        if (t.kind().equals("string")) {
            pos++;
            return t.text();
        }
        if (t.kind().equals("number")) {
            pos++;
            return Long.parseLong(t.text());
        }
        if (t.is("{")) {
            return composite();
        }
        if (t.is("&")) {
            pos++;
            return value();
        }
        if (t.is("-") && tokens.get(pos + 1).kind().equals("number")) {
            pos += 2;
            return -Long.parseLong(tokens.get(pos - 1).text());
        }
        if (t.is("[") || t.is("map") || t.kind().equals("ident")) {
            // a type (then a composite), a call, or an identifier
            int start = pos;
            while (pos < tokens.size() && (tokens.get(pos).kind().equals("ident") || tokens.get(pos).is(".") || tokens.get(pos).is("[")
                    || tokens.get(pos).is("]") || tokens.get(pos).is("*"))) {
                pos++;
            }
            if (tokens.get(pos).is("{")) {
                return composite();
            }
            if (tokens.get(pos).is("(")) {
                StringBuilder callee = new StringBuilder();
                for (int i = start; i < pos; i++) {
                    callee.append(tokens.get(i).text());
                }
                if (IDENTITY_CALLS.contains(callee.toString())) {
                    // ptr.To(int32(20)) and conversions: the value of their one argument
                    pos++;
                    Object inner = value();
                    if (tokens.get(pos).is(")")) {
                        pos++;
                        return inner;
                    }
                }
                skipBalanced("(", ")");
                return UNRESOLVED;
            }
            if (pos - start == 1) {
                String name = t.text();
                return switch (name) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    case "nil" -> null;
                    default -> symbols.containsKey(name) ? symbols.get(name) : UNRESOLVED;
                };
            }
            return UNRESOLVED; // a qualified constant (e.g. http.MethodGet)
        }
        pos++;
        return UNRESOLVED;
    }

    /** The value, unless an expression goes on after it ({@code "/" + path}): then it is unknown. */
    private Object rest(Object value) {
        if (tokens.get(pos).is(",") || tokens.get(pos).is("}")) {
            return value;
        }
        while (!tokens.get(pos).is(",") && !tokens.get(pos).is("}")) {
            if (tokens.get(pos).is("(")) {
                skipBalanced("(", ")");
            }
            else if (tokens.get(pos).is("{")) {
                skipBalanced("{", "}");
            }
            else if (tokens.get(pos).is("[")) {
                skipBalanced("[", "]");
            }
            else {
                pos++;
            }
        }
        return UNRESOLVED;
    }

    private void skipBalanced(String open, String close) {
        int depth = 0;
        do {
            if (tokens.get(pos).is(open)) {
                depth++;
            }
            else if (tokens.get(pos).is(close)) {
                depth--;
            }
            pos++;
        } while (depth > 0 && pos < tokens.size());
    }

    private void expect(String text) {
        if (!tokens.get(pos).is(text)) {
            throw new IllegalStateException("expected '" + text + "' at token " + pos + ", found '" + tokens.get(pos).text() + "'");
        }
        pos++;
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            }
            else if (s.startsWith("//", i)) {
                int end = s.indexOf('\n', i);
                i = end < 0 ? n : end;
            }
            else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            }
            else if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char ch = s.charAt(i);
                    if (ch == '\\' && i + 1 < n) {
                        char e = s.charAt(++i);
                        b.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    }
                    else {
                        b.append(ch);
                    }
                    i++;
                }
                i++;
                out.add(new Token("string", b.toString()));
            }
            else if (c == '`') {
                int end = s.indexOf('`', i + 1);
                out.add(new Token("string", s.substring(i + 1, end)));
                i = end + 1;
            }
            else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                out.add(new Token("number", s.substring(start, i)));
            }
            else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                    i++;
                }
                out.add(new Token("ident", s.substring(start, i)));
            }
            else if (s.startsWith(":=", i)) {
                out.add(new Token("punct", ":="));
                i += 2;
            }
            else {
                out.add(new Token("punct", String.valueOf(c)));
                i++;
            }
        }
        return out;
    }
}
