package dev.isthmus.compile.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;

/** Field checks the access units share: URLs of the services they call, and the headers they write. */
final class AccessFields {

    /**
     * Headers an auth policy may not write towards the backend: the proxy's own (framing, Host, the
     * forwarded headers it sets from the trusted client address) and the credential itself.
     */
    static final Set<String> RESERVED = Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer",
            "upgrade", "proxy-connection", "proxy-authorization", "authorization", "forwarded", "x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "cookie");

    private AccessFields() {
    }

    /** An http(s) URL with a host and no user info or fragment; null (reported) otherwise. Messages never echo user info. */
    static URI serviceUrl(Problems p, String field, String url, boolean query) {
        if (url == null || url.isBlank()) {
            p.fail(ConditionReason.INVALID_AUTH, field + " is required");
            return null;
        }
        String shown = Text.abbreviate(Text.withoutUserInfo(url));
        URI uri;
        try {
            uri = new URI(url);
        }
        catch (URISyntaxException e) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + shown + "' is not a URL: " + e.getReason());
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + shown + "' must be http:// or https://");
            return null;
        }
        if (uri.getHost() == null) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + shown + "' has no host");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            p.fail(ConditionReason.INVALID_AUTH, field + " must not carry user info: credentials in a route would be shown in its status");
            return null;
        }
        if (uri.getRawFragment() != null || (!query && uri.getRawQuery() != null)) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + shown + "' must not have a " + (query ? "fragment" : "query or fragment"));
            return null;
        }
        return uri;
    }

    /** Header names, lower-case, each a token; {@code writable}: never a reserved one. Duplicates are reported. */
    static List<String> headerNames(Problems p, String field, List<String> names, boolean writable) {
        List<String> out = new ArrayList<>();
        if (names == null) {
            return out;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            String lower = header(p, field + "[" + i + "]", n, writable);
            if (lower == null) {
                continue;
            }
            if (!seen.add(lower)) {
                p.fail(ConditionReason.INVALID_AUTH, field + " lists " + n + " twice");
                continue;
            }
            out.add(lower);
        }
        return List.copyOf(out);
    }

    /** One header name, lower-case; null (reported) when it is not a token, or reserved and {@code writable}. */
    static String header(Problems p, String field, String name, boolean writable) {
        if (!HeaderNames.isToken(name)) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + Text.abbreviate(String.valueOf(name)) + "' is not a header name");
            return null;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (writable && RESERVED.contains(lower)) {
            p.fail(ConditionReason.INVALID_AUTH, field + " " + name + " is the gateway's to set, not a policy's");
            return null;
        }
        return lower;
    }

    /** A short text shown in or checked against headers: printable, not blank, at most {@code max}. */
    static boolean printable(Problems p, String field, String value, int max) {
        if (value == null || value.isBlank()) {
            p.fail(ConditionReason.INVALID_AUTH, field + " must not be empty");
            return false;
        }
        if (value.length() > max || Text.hasControl(value)) {
            p.fail(ConditionReason.INVALID_AUTH, field + " '" + Text.abbreviate(value) + "' must be at most " + max
                    + " characters without control characters");
            return false;
        }
        return true;
    }
}
