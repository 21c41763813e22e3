package dev.isthmus.compile.policy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.MatchCompiler;
import dev.isthmus.compile.PathMatcher;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.Regex;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.RegexRewrite;
import dev.isthmus.spec.Rewrite;

/** How the path is rewritten before it reaches the backend ({@code rewrite}). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = PathRewrite.ReplacePrefix.class, name = "prefix"),
        @JsonSubTypes.Type(value = PathRewrite.ReplaceRegex.class, name = "regex"),
        @JsonSubTypes.Type(value = PathRewrite.ReplacePath.class, name = "path") })
public sealed interface PathRewrite extends RoutePolicy {

    String NAME = "rewrite";

    @Override
    default String name() {
        return NAME;
    }

    /** @param matchedPrefix the route's normalized prefix; {@code replacement} takes its place */
    record ReplacePrefix(String matchedPrefix, String replacement) implements PathRewrite {
    }

    record ReplaceRegex(Regex pattern, String replacement) implements PathRewrite {
    }

    record ReplacePath(String path) implements PathRewrite {
    }

    final class Compiler implements PolicyCompiler<PathRewrite> {

        private static final Pattern GROUP_REF = Pattern.compile("\\$(\\d+|\\{([A-Za-z][A-Za-z0-9]*)})");

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.FORWARD;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.rewrite() != null;
        }

        @Override
        public PathRewrite compile(CompileContext c) {
            Rewrite r = c.spec().rewrite();
            if (r == null) {
                return null;
            }
            Problems p = c.problems();
            int given = (r.prefix() != null ? 1 : 0) + (r.regex() != null ? 1 : 0) + (r.path() != null ? 1 : 0);
            if (given != 1) {
                p.fail(ConditionReason.INVALID_REWRITE, "rewrite needs exactly one of prefix, regex or path");
                return null;
            }
            if (r.prefix() != null) {
                if (!(c.path() instanceof PathMatcher.Prefix prefix)) {
                    if (c.path() != null) {
                        p.fail(ConditionReason.INVALID_REWRITE, "rewrite.prefix needs a match.path.prefix (use rewrite.regex with other matches)");
                    }
                    return null;
                }
                String replacement = MatchCompiler.authoredPath(p, "rewrite.prefix", r.prefix());
                return replacement == null ? null : new ReplacePrefix(prefix.prefix(), replacement);
            }
            if (r.path() != null) {
                String fixed = MatchCompiler.authoredPath(p, "rewrite.path", r.path());
                return fixed == null ? null : new ReplacePath(fixed);
            }
            return regex(p, r.regex());
        }

        private static PathRewrite regex(Problems p, RegexRewrite rx) {
            if (rx.pattern() == null || rx.replacement() == null || rx.pattern().isEmpty()) {
                p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex needs pattern and replacement");
                return null;
            }
            if (rx.pattern().length() > RegexRewrite.MAX_LENGTH || rx.replacement().length() > RegexRewrite.MAX_LENGTH) {
                p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex pattern and replacement must be at most " + RegexRewrite.MAX_LENGTH
                        + " characters");
                return null;
            }
            Regex pattern;
            try {
                pattern = Regex.compile(rx.pattern());
            }
            catch (IllegalArgumentException e) {
                p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex.pattern: " + e.getMessage());
                return null;
            }
            if (!rx.replacement().startsWith("/") && !rx.replacement().startsWith("$")) {
                p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex.replacement must produce a path starting with '/'");
                return null;
            }
            Matcher m = GROUP_REF.matcher(rx.replacement());
            while (m.find()) {
                if (m.group(2) != null) {
                    if (!pattern.pattern().namedGroups().containsKey(m.group(2))) {
                        p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex.replacement refers to group '" + m.group(2)
                                + "', which the pattern does not define");
                        return null;
                    }
                }
                else if (m.group(1).length() > 4 || Integer.parseInt(m.group(1)) > pattern.groupCount()) {
                    p.fail(ConditionReason.INVALID_REWRITE, "rewrite.regex.replacement refers to $" + m.group(1) + " but the pattern has "
                            + pattern.groupCount() + " group(s)");
                    return null;
                }
            }
            return new ReplaceRegex(pattern, rx.replacement());
        }
    }
}
