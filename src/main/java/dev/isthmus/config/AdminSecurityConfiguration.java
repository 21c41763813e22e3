package dev.isthmus.config;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.WebFilter;

import dev.isthmus.admin.AdminAuthenticationFilter;
import dev.isthmus.admin.AdminCredentials;

/**
 * The admin port's authentication and response headers. A management-context configuration (its
 * own child context, listed in {@code ManagementContextConfiguration.imports}), so nothing here is
 * ever applied to the gateway port.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class AdminSecurityConfiguration {

    @Bean
    AdminAuthenticationFilter adminAuthenticationFilter(IsthmusProperties properties) {
        var auth = properties.getAdmin().getAuth();
        return new AdminAuthenticationFilter(new AdminCredentials(auth.getBearerTokenFile(), auth.getBasicCredentialsFile()));
    }

    /** Every admin response: no MIME sniffing, no framing, no referrer (the page's own CSP: DiagnosticsPageConfiguration). */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    WebFilter adminResponseHeaders() {
        return (exchange, chain) -> {
            var headers = exchange.getResponse().getHeaders();
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            return chain.filter(exchange);
        };
    }
}
