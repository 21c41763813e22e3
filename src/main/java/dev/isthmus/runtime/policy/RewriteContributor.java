package dev.isthmus.runtime.policy;

import org.springframework.cloud.gateway.filter.factory.RewritePathGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.SetPathGatewayFilterFactory;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.PathRewrite;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;
import dev.isthmus.runtime.filter.RegexPathRewriteGatewayFilterFactory;

/**
 * {@code rewrite}: a prefix or whole-path rewrite with Spring Cloud Gateway's RewritePath and
 * SetPath (patterns Isthmus writes itself), an author's regex with the RE2 rewrite.
 */
public final class RewriteContributor implements RouteFilterContributor<PathRewrite> {

    private final RewritePathGatewayFilterFactory rewritePath;
    private final SetPathGatewayFilterFactory setPath;
    private final RegexPathRewriteGatewayFilterFactory regex;

    public RewriteContributor(RewritePathGatewayFilterFactory rewritePath, SetPathGatewayFilterFactory setPath,
            RegexPathRewriteGatewayFilterFactory regex) {
        this.rewritePath = rewritePath;
        this.setPath = setPath;
        this.regex = regex;
    }

    @Override
    public String policy() {
        return PathRewrite.NAME;
    }

    @Override
    public Class<PathRewrite> type() {
        return PathRewrite.class;
    }

    @Override
    public void contribute(PathRewrite rewrite, CompiledRoute compiled, RouteFilters route) {
        if (rewrite instanceof PathRewrite.ReplacePrefix p) {
            // /quote, /quote/ and /quote/a -> replacement, replacement/ and replacement/a
            String base = p.replacement().endsWith("/") ? p.replacement().substring(0, p.replacement().length() - 1) : p.replacement();
            String regexp = p.matchedPrefix().equals("/") ? "^/(?<rest>.*)$"
                    : "^" + java.util.regex.Pattern.quote(p.matchedPrefix()) + "(?:/(?<rest>.*))?$";
            route.add(rewritePath.apply(new RewritePathGatewayFilterFactory.Config().setRegexp(regexp).setReplacement(base + "/${rest}")));
        }
        else if (rewrite instanceof PathRewrite.ReplacePath p) {
            var c = new SetPathGatewayFilterFactory.Config();
            c.setTemplate(p.path());
            route.add(setPath.apply(c));
        }
        else if (rewrite instanceof PathRewrite.ReplaceRegex rx) {
            route.add(regex.apply(new RegexPathRewriteGatewayFilterFactory.Config().setPattern(rx.pattern().source())
                    .setReplacement(rx.replacement())));
        }
    }
}
