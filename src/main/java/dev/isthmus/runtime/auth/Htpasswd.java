package dev.isthmus.runtime.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * htpasswd entries ({@code user:hash} per line, {@code #} comments), bcrypt only ({@code $2y$},
 * {@code $2a$}, {@code $2b$}, as {@code htpasswd -B} writes them): the other htpasswd formats
 * (MD5 apr1, SHA-1, crypt, plain text) are fast to brute-force and are refused line by line.
 * Problems name line numbers, never a line's content: they reach logs and route status.
 */
public final class Htpasswd {

    static final Pattern BCRYPT = Pattern.compile("^\\$2[aby]\\$(\\d\\d)\\$[./0-9A-Za-z]{53}$");

    public static final Htpasswd EMPTY = new Htpasswd(Map.of(), List.of(), 10);

    private final Map<String, String> hashes;
    private final List<String> problems;
    private final int cost;

    private Htpasswd(Map<String, String> hashes, List<String> problems, int cost) {
        this.hashes = hashes;
        this.problems = problems;
        this.cost = cost;
    }

    public static Htpasswd parse(String text) {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        int cost = -1;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                problems.add("line " + (i + 1) + " is not user:hash");
                continue;
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            Matcher m = BCRYPT.matcher(hash);
            if (!m.matches()) {
                problems.add("line " + (i + 1) + " is not a bcrypt entry (htpasswd -B): ignored");
                continue;
            }
            if (hashes.putIfAbsent(user, hash) != null) {
                problems.add("line " + (i + 1) + " repeats a user of an earlier line: ignored");
                continue;
            }
            if (cost < 0) {
                cost = Integer.parseInt(m.group(1));
            }
        }
        if (hashes.isEmpty() && problems.isEmpty()) {
            problems.add("no entries");
        }
        return new Htpasswd(Collections.unmodifiableMap(hashes), List.copyOf(problems), cost < 0 ? 10 : cost);
    }

    /** The user's bcrypt hash, or null. */
    public String hash(String user) {
        return hashes.get(user);
    }

    public int size() {
        return hashes.size();
    }

    /** The work factor of the first entry: unknown users are checked against a hash of that cost, so they take as long as known ones. */
    public int cost() {
        return cost;
    }

    public List<String> problems() {
        return problems;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Htpasswd h && h.hashes.equals(hashes) && h.problems.equals(problems);
    }

    @Override
    public int hashCode() {
        return hashes.hashCode();
    }

    @Override
    public String toString() {
        return hashes.size() + " entries"; // never the hashes
    }
}
