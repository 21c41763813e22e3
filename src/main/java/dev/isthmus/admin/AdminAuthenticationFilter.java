package dev.isthmus.admin;

import java.security.Principal;
import java.util.List;
import java.util.Set;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Optional authentication of the admin port (a bean of the management context only, so it never
 * runs on the gateway port). With {@code isthmus.admin.auth.*} files configured, every admin
 * request needs a valid bearer token or basic credentials ({@link AdminCredentials}), except the
 * probe groups ({@code /actuator/health/liveness}, {@code /readiness}, which the kubelet calls
 * without credentials) and {@code /actuator/health} itself, whose details and components are shown
 * only to authenticated callers ({@code show-details: when-authorized} reads the caller put into
 * Spring Security's reactive context here). Without auth configured, every caller is the
 * operator, as before.
 *
 * <p>Written by hand rather than with Spring Security's web filters: their reactive auto-configuration installs a
 * filter chain in the main context, that is on the gateway port, unless excluded by hand; and
 * neither a static bearer token nor credentials re-read from a rotated Secret file are among its
 * mechanisms, so both would be custom code inside it anyway. This is one header check.
 */
public final class AdminAuthenticationFilter implements WebFilter, Ordered {

    private static final Set<String> OPEN = Set.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness");
    private static final String OPERATOR = "operator";

    private final AdminCredentials credentials;
    private final String challenge;

    public AdminAuthenticationFilter(AdminCredentials credentials) {
        this.credentials = credentials;
        this.challenge = (credentials.acceptsBasic() ? "Basic realm=\"isthmus admin\", charset=\"UTF-8\"" : "")
                + (credentials.acceptsBasic() && credentials.acceptsBearer() ? ", " : "")
                + (credentials.acceptsBearer() ? "Bearer realm=\"isthmus admin\"" : "");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!credentials.enabled()) {
            return authenticated(exchange, chain, OPERATOR);
        }
        String user = credentials.authenticate(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
        if (user != null) {
            return authenticated(exchange, chain, user);
        }
        if (OPEN.contains(exchange.getRequest().getPath().pathWithinApplication().value())) {
            return chain.filter(exchange);
        }
        exchange.getResponse().setStatusCode(HttpStatus.UNAUTHORIZED);
        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return exchange.getResponse().setComplete();
    }

    /**
     * The actuator decides "authorized" from Spring Security's reactive security context when
     * spring-security-core is present (and never otherwise), so the caller is put there.
     */
    private static Mono<Void> authenticated(ServerWebExchange exchange, WebFilterChain chain, String user) {
        var authentication = UsernamePasswordAuthenticationToken.authenticated(user, null, List.of());
        Principal principal = authentication;
        return chain.filter(exchange.mutate().principal(Mono.just(principal)).build())
                .contextWrite(ReactiveSecurityContextHolder.withAuthentication(authentication));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
