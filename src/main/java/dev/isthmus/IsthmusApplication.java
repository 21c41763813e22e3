package dev.isthmus;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

import dev.isthmus.cli.IsthmusCli;

/**
 * Isthmus. Its wiring is a set of auto-configurations by concern (routing, route policies,
 * upstreams, rate limiting, server hardening, each source, status, admin, demo), listed in
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}, and
 * the diagnostics page is a management-context configuration (its own imports file), so it lives
 * on the management port only. Deliberately no component scan: it would pick up the
 * auto-configurations' nested configuration classes (Redis rate limiting) as user configuration,
 * ahead of the auto-configurations their conditions wait for, and the management-context
 * configuration into the main context, where it would be served on the gateway port.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = {
        // Spring Security is a library here (route JWT verification, bcrypt, the admin port's reactive security context),
        // never a web framework: its auto-configurations would put a SecurityWebFilterChain (a generated password, form
        // login, a 401 for every request) in front of the gateway port and the admin port. Their modules are not on the
        // classpath today; excluded by name so that adding a Spring Boot security starter later cannot switch them on.
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration",
        "org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.reactive.ReactiveOAuth2ResourceServerWebSecurityAutoConfiguration" })
public class IsthmusApplication {
    public static void main(String[] args) {
        if (IsthmusCli.isCommand(args)) {
            // validate, routes: no Spring context, no server (docs/operations.md)
            System.exit(IsthmusCli.run(args, System.out, System.err, System.in));
        }
        sizeEventLoops();
        SpringApplication.run(IsthmusApplication.class, args);
    }

    /**
     * One Netty event loop per available CPU. Reactor Netty's default is at least 4 loops, which on
     * the 1-3 CPUs a gateway pod usually gets means more busy threads than CPUs on the request
     * path. On 2 cores one loop per CPU gave 1.5-2.8x the throughput and less CPU per request
     * while other processes kept the CPUs busy, and about 5% more throughput and a lower p99 on an
     * otherwise idle machine (docs/performance.md). From 4 CPUs up this is Reactor Netty's own
     * default. Must run before Reactor Netty reads it (class initialization); an explicit
     * {@code -Dreactor.netty.ioWorkerCount} wins.
     */
    static void sizeEventLoops() {
        if (System.getProperty("reactor.netty.ioWorkerCount") == null) {
            System.setProperty("reactor.netty.ioWorkerCount", String.valueOf(Runtime.getRuntime().availableProcessors()));
        }
    }
}
