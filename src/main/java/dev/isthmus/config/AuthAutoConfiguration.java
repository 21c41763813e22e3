package dev.isthmus.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.context.annotation.Bean;

import dev.isthmus.platform.kubernetes.KubernetesErrors;
import dev.isthmus.runtime.auth.AccessGuards;
import dev.isthmus.runtime.auth.AuthMetrics;
import dev.isthmus.runtime.auth.BcryptVerifier;
import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.runtime.auth.ForwardAuthCache;
import dev.isthmus.runtime.auth.JwksRegistry;

/**
 * The shared parts behind route authentication ({@code isthmus.auth.*}): the issuers' key sources,
 * the htpasswd store with its Secret reader, the bcrypt pool, the authorization answers cache, all
 * built on the gateway's own Reactor Netty client (Spring Cloud Gateway's {@code HttpClient} bean,
 * so checks share the upstream connection pool). The guards they feed are contributed to routes by
 * {@link RoutePoliciesAutoConfiguration}.
 *
 * <p>Spring Security is used as a library here (JWT verification, bcrypt), never as a web
 * framework: no {@code SecurityWebFilterChain} exists, and Spring Boot's security
 * auto-configurations are excluded by {@code IsthmusApplication}, so nothing of Spring Security
 * ever filters the gateway port or the admin port.
 */
@AutoConfiguration(after = GatewayAutoConfiguration.class, before = RoutePoliciesAutoConfiguration.class)
@EnableConfigurationProperties(IsthmusProperties.class)
public class AuthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    JwksRegistry jwksRegistry(HttpClient httpClient, IsthmusProperties properties) {
        var j = properties.getAuth().getJwks();
        return new JwksRegistry(httpClient, j.getTimeout(), j.getRefreshInterval(), j.getMinRefreshInterval());
    }

    /**
     * Secrets are read one by one, by name, only when a route references them: RBAC needs {@code get}
     * on secrets in the route namespaces, never list or watch (docs/security.md, "Secrets").
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    CredentialStore credentialStore(ObjectProvider<KubernetesClient> kubernetes, IsthmusProperties properties) {
        KubernetesClient client = properties.getKubernetes().isEnabled() ? kubernetes.getIfAvailable() : null;
        CredentialStore.SecretReader reader = KubernetesSecretReader.of(client);
        return new CredentialStore(reader, properties.getAuth().getCredentials().getRefreshInterval());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    BcryptVerifier bcryptVerifier(IsthmusProperties properties) {
        var b = properties.getAuth().getBasic();
        int threads = b.getThreads() > 0 ? b.getThreads() : Runtime.getRuntime().availableProcessors();
        return new BcryptVerifier(threads, b.getMaxPending(), b.getCacheTtl(), b.getCacheMaxEntries());
    }

    @Bean
    @ConditionalOnMissingBean
    ForwardAuthCache forwardAuthCache(IsthmusProperties properties) {
        return new ForwardAuthCache(properties.getAuth().getForward().getCacheMaxEntries());
    }

    @Bean
    @ConditionalOnMissingBean
    AccessGuards accessGuards(JwksRegistry keys, CredentialStore credentials, BcryptVerifier bcrypt, ForwardAuthCache answers,
            HttpClient httpClient, IsthmusProperties properties) {
        return new AccessGuards(keys, credentials, bcrypt, answers, httpClient, properties.getAuth().getForward().getMaxDenialBodyBytes());
    }

    @Bean
    @ConditionalOnMissingBean
    AuthMetrics authMetrics(ObjectProvider<MeterRegistry> registry) {
        return new AuthMetrics(registry.getIfAvailable());
    }
}
