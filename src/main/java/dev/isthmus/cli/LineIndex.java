package dev.isthmus.cli;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The line on which each field and list entry of a YAML document starts, by path
 * ({@code routes[2]}, {@code data.routes.yaml}, {@code spec.match}), down to a few levels: where
 * {@code validate} points its findings. Jackson's trees keep no locations, so this reads the
 * document once more as a token stream.
 */
final class LineIndex {

    private static final int MAX_DEPTH = 8;

    private final Map<String, Integer> lines;

    private LineIndex(Map<String, Integer> lines) {
        this.lines = lines;
    }

    /** An index of what could be read; a document that is not valid YAML indexes what came before the error. */
    static LineIndex of(ObjectMapper yaml, String text) {
        Map<String, Integer> lines = new HashMap<>();
        Deque<Frame> open = new ArrayDeque<>();
        String field = null;
        try (JsonParser p = yaml.getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = p.currentTokenLocation().getLineNr();
                Frame parent = open.peek();
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    if (open.size() <= MAX_DEPTH) {
                        lines.putIfAbsent(child(parent, field), line);
                    }
                    continue;
                }
                if (t.isStructEnd()) {
                    open.pop();
                    continue;
                }
                String self;
                if (parent == null) {
                    self = "";
                }
                else if (parent.array) {
                    self = parent.path + "[" + parent.next++ + "]";
                    if (open.size() <= MAX_DEPTH) {
                        lines.putIfAbsent(self, line);
                    }
                }
                else {
                    self = child(parent, field);
                }
                if (t.isStructStart()) {
                    open.push(new Frame(self, t == JsonToken.START_ARRAY));
                }
            }
        }
        catch (IOException e) {
            // keep what was indexed; the parser that reads the document reports the error
        }
        return new LineIndex(lines);
    }

    private static final class Frame {
        final String path;
        final boolean array;
        int next;

        Frame(String path, boolean array) {
            this.path = path;
            this.array = array;
        }
    }

    private static String child(Frame parent, String name) {
        return parent == null || parent.path.isEmpty() ? name : parent.path + "." + name;
    }

    /** The line of {@code path}, else of its nearest indexed parent, else {@code fallback}. */
    int line(String path, int fallback) {
        for (String p = path; p != null && !p.isEmpty(); p = parent(p)) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
        }
        return fallback;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        int bracket = path.lastIndexOf('[');
        int cut = Math.max(dot, bracket);
        return cut <= 0 ? null : path.substring(0, cut);
    }
}
