package dev.isthmus.compile;

/**
 * Normalizes a request path before matching (RFC 3986 §6.2.2), and refuses the forms that let a
 * request match one route prefix yet reach an upstream path outside it:
 * <ul>
 * <li>percent-encoded unreserved characters are decoded ({@code %2e} becomes {@code .}), other
 * escapes are kept, with upper-case hex, and are never decoded twice ({@code %252e} stays);</li>
 * <li>{@code .} and {@code ..} segments are removed, and {@code //} collapsed;</li>
 * <li>refused: an encoded slash or backslash ({@code %2f}, {@code %5c}), a raw backslash, control
 * characters or NUL, malformed escapes, {@code ..} above the root, and dot segments hidden behind
 * path parameters ({@code /..;/}), which servlet containers strip and resolve.</li>
 * </ul>
 * Used on every request and on the paths route authors write, so both sides compare alike.
 */
public final class PathNormalizer {

    /** Why a path was refused; the gateway answers 400 with it. */
    public static final class RejectedPathException extends Exception {
        public RejectedPathException(String message) {
            super(message, null, false, false);
        }
    }

    private PathNormalizer() {
    }

    /** @return the normalized raw (still percent-encoded) path, the same instance when already normal */
    public static String normalize(String rawPath) throws RejectedPathException {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        if (rawPath.charAt(0) != '/') {
            throw new RejectedPathException("path must start with '/'");
        }
        if (isAlreadyNormal(rawPath)) {
            return rawPath;
        }
        String decoded = decodeUnreserved(rawPath);
        return removeDotSegments(decoded);
    }

    /** One scan: the common case has no escapes, no dot segments, no empty segments, no parameters. */
    private static boolean isAlreadyNormal(String path) {
        int n = path.length();
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c == '%' || c == '\\' || c == ';' || c < 0x21 || c == 0x7f) {
                return false;
            }
            if (c == '/' && i + 1 < n) {
                char next = path.charAt(i + 1);
                if (next == '/') {
                    return false;
                }
                if (next == '.' && (i + 2 == n || path.charAt(i + 2) == '/'
                        || (path.charAt(i + 2) == '.' && (i + 3 == n || path.charAt(i + 3) == '/')))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String decodeUnreserved(String path) throws RejectedPathException {
        StringBuilder out = new StringBuilder(path.length());
        int n = path.length();
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new RejectedPathException("control character in path");
            }
            if (c == '\\') {
                throw new RejectedPathException("backslash in path");
            }
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= n || hex(path.charAt(i + 1)) < 0 || hex(path.charAt(i + 2)) < 0) {
                throw new RejectedPathException("malformed percent-encoding in path");
            }
            int b = hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2));
            if (b == '/' || b == '\\') {
                throw new RejectedPathException("encoded slash or backslash in path");
            }
            if (b < 0x20 || b == 0x7f) {
                throw new RejectedPathException("encoded control character in path");
            }
            if (isUnreserved(b)) {
                out.append((char) b);
            }
            else {
                out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
            }
            i += 2;
        }
        return out.toString();
    }

    private static String removeDotSegments(String path) throws RejectedPathException {
        String[] segments = path.split("/", -1);
        String[] kept = new String[segments.length];
        int depth = 0;
        boolean trailingSlash = path.endsWith("/");
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            int semicolon = segment.indexOf(';');
            String bare = semicolon < 0 ? segment : segment.substring(0, semicolon);
            if (semicolon >= 0 && (bare.equals(".") || bare.equals(".."))) {
                throw new RejectedPathException("dot segment with path parameters");
            }
            if (segment.isEmpty() || segment.equals(".")) {
                if (i == segments.length - 1) {
                    trailingSlash = true;
                }
                continue;
            }
            if (segment.equals("..")) {
                if (depth == 0) {
                    throw new RejectedPathException("path escapes the root");
                }
                depth--;
                if (i == segments.length - 1) {
                    trailingSlash = true;
                }
                continue;
            }
            kept[depth++] = segment;
        }
        if (depth == 0) {
            return "/";
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < depth; i++) {
            out.append('/').append(kept[i]);
        }
        if (trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }

    private static boolean isUnreserved(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' || b == '~';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
