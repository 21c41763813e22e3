package dev.isthmus.admin;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The diagnostics page at {@code /} of the management port: one static page that renders the
 * admin endpoints (routes, upstreams, sources, health). Lives in the management context only, so
 * it is never reachable through the gateway port.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class DiagnosticsPageConfiguration {

    @Bean
    RouterFunction<ServerResponse> diagnosticsPage() {
        ClassPathResource page = new ClassPathResource("isthmus/diagnostics.html");
        return RouterFunctions.route().GET("/", request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML)
                .cacheControl(CacheControl.noStore()).bodyValue(page)).build();
    }
}
