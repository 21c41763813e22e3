package dev.isthmus.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.server.HttpsRedirectListener;
import dev.isthmus.server.HttpsRedirectProperties;
import dev.isthmus.server.ServerHardening;

/** The HTTP to HTTPS redirect listener, when {@code isthmus.http-redirect.enabled=true}. */
@AutoConfiguration(after = ServerHardeningAutoConfiguration.class)
@ConditionalOnProperty("isthmus.http-redirect.enabled")
@EnableConfigurationProperties(HttpsRedirectProperties.class)
public class HttpsRedirectAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(HttpsRedirectAutoConfiguration.class);

    @Bean
    HttpsRedirectListener httpsRedirectListener(HttpsRedirectProperties properties, Environment environment, ServerHardening hardening) {
        int serverPort = environment.getProperty("server.port", Integer.class, 8080);
        if (properties.getPort() != 0 && properties.getPort() == serverPort) {
            throw new IllegalStateException("isthmus.http-redirect.port (" + properties.getPort()
                    + ") must differ from server.port: the gateway port serves TLS and the redirect listener plain HTTP");
        }
        if (!environment.getProperty("server.ssl.enabled", Boolean.class, true)
                || environment.getProperty("server.ssl.bundle") == null && environment.getProperty("server.ssl.certificate") == null
                        && environment.getProperty("server.ssl.key-store") == null) {
            log.warn("isthmus.http-redirect is enabled but server.ssl is not configured: redirects point at https port {}, "
                    + "which must be served by something else (e.g. a TLS-terminating load balancer)", properties.getHttpsPort());
        }
        return new HttpsRedirectListener(properties, hardening);
    }
}
