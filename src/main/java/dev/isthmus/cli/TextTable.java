package dev.isthmus.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns padded to their widest cell, as {@code kubectl get} prints them; overlong cells are cut with "...". */
final class TextTable {

    private static final int MAX_CELL = 60;

    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = header;
    }

    void row(String... cells) {
        String[] r = new String[header.length];
        for (int i = 0; i < header.length; i++) {
            String c = i < cells.length && cells[i] != null && !cells[i].isEmpty() ? cells[i] : "-";
            r[i] = c.length() > MAX_CELL ? c.substring(0, MAX_CELL - 3) + "..." : c;
        }
        rows.add(r);
    }

    void print(PrintStream out) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        line(out, header, width);
        rows.forEach(r -> line(out, r, width));
    }

    private static void line(PrintStream out, String[] cells, int[] width) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            s.append(cells[i]);
            if (i < cells.length - 1) {
                s.append(" ".repeat(width[i] - cells[i].length() + 3));
            }
        }
        out.println(s.toString().stripTrailing());
    }
}
