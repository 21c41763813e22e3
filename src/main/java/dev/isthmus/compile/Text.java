package dev.isthmus.compile;

import java.nio.charset.StandardCharsets;

/** Text rules shared by the compile units: how authored values are quoted back in messages, and what a header value may hold. */
public final class Text {

    private Text() {
    }

    /** At most 80 characters of an authored value, for a message. */
    public static String abbreviate(String s) {
        return abbreviate(s, 80);
    }

    public static String abbreviate(String s, int max) {
        return s == null ? "null" : s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** A URL as status and logs may show it: credentials before an '@' in the authority become '***'. */
    public static String withoutUserInfo(String url) {
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int at = url.lastIndexOf('@', end - 1);
        return at < start ? url : url.substring(0, start) + "***" + url.substring(at);
    }

    /** Control characters other than tab: CR/LF in a header value would split the header. */
    public static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Percent-encodes non-ASCII characters as UTF-8, as a hint for route authors. */
    static String percentEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int v = b & 0xff;
            if (v > 0x20 && v < 0x7f) {
                out.append((char) v);
            }
            else {
                out.append('%').append(String.format("%02X", v));
            }
        }
        return abbreviate(out.toString());
    }

    static String printable(char ch) {
        return ch < 0x20 || ch == 0x7f ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
    }
}
