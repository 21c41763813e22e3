package dev.isthmus.compile;

import java.util.Locale;
import java.util.Set;

import dev.isthmus.spec.Redirect;

import static dev.isthmus.model.ConditionReason.INVALID_REDIRECT;

/** Compiles a route's {@code redirect} into its {@link RouteAction.Redirect} action. */
final class RedirectCompiler {

    static final Set<Integer> CODES = Set.of(301, 302, 303, 307, 308);

    private RedirectCompiler() {
    }

    static RouteAction.Redirect compile(Redirect r, PathMatcher path, Problems p) {
        int code = r.code() == null ? Redirect.DEFAULT_CODE : r.code();
        if (!CODES.contains(code)) {
            p.fail(INVALID_REDIRECT, "redirect.code must be one of 301, 302, 303, 307, 308");
        }
        String scheme = r.scheme() == null ? null : r.scheme().toLowerCase(Locale.ROOT);
        if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
            p.fail(INVALID_REDIRECT, "redirect.scheme must be http or https");
        }
        if (r.host() != null) {
            try {
                if (HostPattern.parse(r.host()).wildcard()) {
                    p.fail(INVALID_REDIRECT, "redirect.host cannot be a wildcard");
                }
            }
            catch (IllegalArgumentException e) {
                p.fail(INVALID_REDIRECT, "redirect.host: " + e.getMessage());
            }
        }
        if (r.port() != null && (r.port() < 1 || r.port() > 65535)) {
            p.fail(INVALID_REDIRECT, "redirect.port must be 1-65535");
        }
        if (r.path() != null && r.prefix() != null) {
            p.fail(INVALID_REDIRECT, "redirect takes path or prefix, not both");
        }
        String newPath = r.path() == null ? null : MatchCompiler.authoredPath(p, "redirect.path", r.path());
        String newPrefix = r.prefix() == null ? null : MatchCompiler.authoredPath(p, "redirect.prefix", r.prefix());
        String matched = null;
        if (r.prefix() != null) {
            if (path instanceof PathMatcher.Prefix prefix) {
                matched = prefix.prefix();
            }
            else if (path != null) {
                p.fail(INVALID_REDIRECT, "redirect.prefix needs a match.path.prefix");
            }
        }
        if (scheme == null && r.host() == null && r.port() == null && r.path() == null && r.prefix() == null) {
            p.fail(INVALID_REDIRECT, "redirect must change at least one of scheme, host, port, path or prefix");
        }
        return new RouteAction.Redirect(scheme, r.host() == null ? null : r.host().toLowerCase(Locale.ROOT), r.port(), newPath, newPrefix,
                matched, code);
    }
}
