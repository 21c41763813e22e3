package dev.isthmus.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a multi-document YAML stream the way kubectl does (its YAML reader): a line that starts
 * with {@code ---} followed only by blanks or a comment ends one document and begins the next. A
 * document marker cannot occur inside a scalar at column 0 (YAML 1.2, c-forbidden), so splitting
 * on lines is exact. Each document keeps its line number in the file, and its text is padded with
 * blank lines in front, so a parser's line numbers are the file's.
 */
final class YamlDocuments {

    /** One document: its 1-based index in the file, the line of its first content line, and its text. */
    record Document(int index, int line, String text) {

        /** Only blanks and comments. */
        boolean isEmpty() {
            for (String l : text.split("\n", -1)) {
                String t = l.strip();
                if (!t.isEmpty() && !t.startsWith("#") && !t.equals("...")) {
                    return false;
                }
            }
            return true;
        }
    }

    private YamlDocuments() {
    }

    static List<Document> split(String stream) {
        List<Document> documents = new ArrayList<>();
        String[] lines = stream.replace("\r\n", "\n").split("\n", -1);
        StringBuilder current = new StringBuilder();
        int start = 0; // index of the current document's first line
        for (int i = 0; i < lines.length; i++) {
            if (isSeparator(lines[i])) {
                add(documents, current, start);
                current.setLength(0);
                start = i + 1;
                continue;
            }
            current.append(lines[i]).append('\n');
        }
        add(documents, current, start);
        return documents;
    }

    private static void add(List<Document> documents, StringBuilder text, int start) {
        String body = text.toString();
        int firstContent = start;
        for (String l : body.split("\n", -1)) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                break;
            }
            firstContent++;
        }
        Document d = new Document(documents.size() + 1, firstContent + 1, "\n".repeat(start) + body);
        if (!d.isEmpty()) {
            documents.add(d);
        }
    }

    static boolean isSeparator(String line) {
        if (!line.startsWith("---")) {
            return false;
        }
        String rest = line.substring(3).strip();
        return rest.isEmpty() || rest.startsWith("#");
    }
}
