package dev.isthmus.runtime.policy;

import java.util.List;

import org.springframework.web.cors.CorsConfiguration;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.policy.CorsPolicy;
import dev.isthmus.runtime.RouteFilterContributor;
import dev.isthmus.runtime.RouteFilters;

/** {@code cors}: a Spring {@link CorsConfiguration} the handler mapping applies (preflights answered by the gateway). */
public final class CorsContributor implements RouteFilterContributor<CorsPolicy> {

    @Override
    public String policy() {
        return CorsPolicy.NAME;
    }

    @Override
    public Class<CorsPolicy> type() {
        return CorsPolicy.class;
    }

    @Override
    public void contribute(CorsPolicy p, CompiledRoute compiled, RouteFilters route) {
        CorsOrigins c = new CorsOrigins();
        for (String origin : p.allowOrigins()) {
            if (origin.contains("*") && !origin.equals("*")) {
                c.addWildcardOrigin(origin);
            }
            else {
                c.addAllowedOrigin(origin);
            }
        }
        c.setAllowedMethods(p.allowMethods().isEmpty() ? List.of("GET", "HEAD", "POST") : p.allowMethods());
        c.setAllowedHeaders(p.allowHeaders().isEmpty() ? null : p.allowHeaders());
        c.setExposedHeaders(p.exposeHeaders().isEmpty() ? null : p.exposeHeaders());
        c.setAllowCredentials(p.allowCredentials());
        if (p.maxAge() != null) {
            c.setMaxAge(p.maxAge());
        }
        route.cors(c);
    }
}
