package dev.isthmus.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import javax.net.ssl.SSLContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.consul.ConsulAutoConfiguration;
import org.springframework.cloud.consul.ConsulProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.config.IsthmusProperties;
import dev.isthmus.source.consul.ConsulRouteSource;
import dev.isthmus.platform.consul.Backoff;
import dev.isthmus.platform.consul.ConsulCatalogWatcher;
import dev.isthmus.platform.consul.ConsulKv;
import dev.isthmus.platform.consul.ConsulView;
import dev.isthmus.platform.kubernetes.ReplicaIdentity;
import dev.isthmus.status.ConsulVerdictWriter;
import dev.isthmus.status.StatusWriterElection;
import dev.isthmus.platform.consul.ConsulHttpClient;
import dev.isthmus.platform.consul.ConsulTls;
import dev.isthmus.discovery.consul.ConsulServiceRegistry;
import dev.isthmus.discovery.consul.DatacenterFailover;
import dev.isthmus.discovery.consul.ConsulWatchHealthIndicator;

/**
 * Consul integration ({@code isthmus.consul.enabled=true}): the watch, the service registry, the
 * tag route source and their health contribution. Nothing here exists, starts or connects when it
 * is off.
 *
 * <p>What comes from Spring Cloud Consul and what does not:
 * <ul>
 * <li>Reused: its {@link ConsulProperties} (binding of {@code spring.cloud.consul.host/port/scheme/path/tls.*}),
 * created by its auto-configuration, which {@code spring.cloud.consul.enabled} (mapped to
 * {@code isthmus.consul.enabled} in application.yaml) switches on with us; its base-URL rule
 * ({@link ConsulAutoConfiguration#createConsulClientBaseUrl}); its meaning of the TLS store settings.</li>
 * <li>Written here: the watch. Its {@code ConsulCatalogWatch} polls the catalog on a timer and
 * publishes one global heartbeat event per change, with no per-service health; its discovery
 * client returns unhealthy instances unless told otherwise and calls Consul on every lookup; its
 * {@code ConsulClient} blocks a thread per request, ignores 4xx answers (an ACL denial reads as "no
 * services"), and its model lacks {@code Weights}. Its health indicator turns DOWN on any outage,
 * so application.yaml disables it in favour of {@link ConsulWatchHealthIndicator}.</li>
 * </ul>
 * The ACL token is {@code spring.cloud.consul.token} (docs/design.md §3.5), else Spring Cloud Consul's
 * {@code spring.cloud.consul.discovery.acl-token}; it is sent as a header and never logged.
 *
 * <p>Bean names start with {@code isthmus} so they never clash with Spring Cloud Consul's own beans
 * (it defines a {@code consulServiceRegistry}, for self-registration, which stays unused).
 */
@AutoConfiguration(after = ConsulAutoConfiguration.class)
@ConditionalOnProperty("isthmus.consul.enabled")
@EnableConfigurationProperties({ IsthmusProperties.class, OwnershipProperties.class })
public class IsthmusConsulAutoConfiguration {

    @Bean
    ConsulHttpClient isthmusConsulHttpClient(ObjectProvider<ConsulProperties> consulProperties, Environment environment,
            IsthmusProperties properties) {
        // Spring Cloud Consul's auto-configuration provides the bean unless spring.cloud.consul.enabled
        // was switched off on its own; then bind the same properties here.
        ConsulProperties consul = consulProperties.getIfAvailable(
                () -> Binder.get(environment).bindOrCreate(ConsulProperties.PREFIX, ConsulProperties.class));
        String token = environment.getProperty("spring.cloud.consul.token",
                environment.getProperty("spring.cloud.consul.discovery.acl-token"));
        // As in Spring Cloud Consul, the scheme decides: the TLS stores apply to https only.
        SSLContext tls = "https".equalsIgnoreCase(consul.getScheme()) ? ConsulTls.sslContext(consul.getTls()) : null;
        Duration wait = properties.getConsul().getWait(); // 1s-10m, validated with the properties
        boolean clientCertificate = tls != null && ConsulTls.presentsClientCertificate(consul.getTls());
        return new ConsulHttpClient(ConsulAutoConfiguration.createConsulClientBaseUrl(consul), token, tls, clientCertificate, wait);
    }

    @Bean
    ConsulCatalogWatcher isthmusConsulCatalogWatcher(ConsulHttpClient http, IsthmusProperties properties, OwnershipProperties ownership,
            ObjectProvider<MeterRegistry> meters) {
        IsthmusProperties.Consul c = properties.getConsul();
        return new ConsulCatalogWatcher(http, c.getDatacenters(), failover(c).datacenters(), c.isExposeByDefault(),
                ownership.getQuotas().getConsulTaggedServices(), c.getMinBackoff(), c.getMaxBackoff(), meters.getIfAvailable(SimpleMeterRegistry::new));
    }

    @Bean
    ConsulServiceRegistry isthmusConsulServiceRegistry(ConsulCatalogWatcher watcher, IsthmusProperties properties, DestinationGuard guard,
            ObjectProvider<MeterRegistry> meters) {
        IsthmusProperties.Consul c = properties.getConsul();
        return new ConsulServiceRegistry(watcher, c.isAcceptWarning(), guard, failover(c), meters.getIfAvailable(SimpleMeterRegistry::new));
    }

    /**
     * {@code isthmus.consul.failover.datacenters}, checked against the watched datacenters.
     *
     * @throws IllegalStateException naming the property: the gateway does not start with a failover it cannot serve
     */
    static DatacenterFailover failover(IsthmusProperties.Consul c) {
        try {
            return DatacenterFailover.of(c.getFailover().getDatacenters(), c.getDatacenters());
        }
        catch (IllegalArgumentException e) {
            throw new IllegalStateException("isthmus.consul.failover.datacenters " + c.getFailover().getDatacenters() + " " + e.getMessage(), e);
        }
    }

    @Bean
    ConsulRouteSource isthmusConsulRouteSource(ConsulCatalogWatcher watcher, IsthmusProperties properties) {
        return new ConsulRouteSource(watcher, properties.getConsul().isExposeByDefault());
    }

    /**
     * Verdicts on tag routes written to Consul KV ({@code isthmus.consul.status.*}). With the
     * Kubernetes integration the one replica elected by {@link StatusWriterElection} writes (it
     * collects every Leadership bean, this one too), and none when {@code
     * isthmus.kubernetes.status-writer} is off; without Kubernetes there is no election and the
     * gateway writes on its own (docs/consul.md: one writing replica per deployment).
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "isthmus.consul.status.enabled", havingValue = "true", matchIfMissing = true)
    ConsulVerdictWriter isthmusConsulVerdictWriter(ConsulHttpClient http, ConsulCatalogWatcher watcher, ConsulRouteSource routes,
            IsthmusProperties properties, ObjectProvider<ReplicaIdentity> replica, Environment environment) {
        IsthmusProperties.Consul c = properties.getConsul();
        String gateway = replica.getIfAvailable(ReplicaIdentity::generate).value();
        ConsulVerdictWriter writer = new ConsulVerdictWriter(new ConsulKv(http), c.getStatus().getPrefix(), gateway, routes.id(),
                new Backoff(c.getMinBackoff(), c.getMaxBackoff()), () -> readDatacenters(watcher.view()));
        if (!environment.getProperty("isthmus.kubernetes.enabled", Boolean.class, false)) {
            writer.leadershipChanged(true);
        }
        return writer;
    }

    /** Datacenters whose catalog the watch has read: what it knows of their services is complete. */
    static Set<String> readDatacenters(ConsulView view) {
        Set<String> read = new HashSet<>();
        view.datacenters().forEach((name, dc) -> {
            if (dc.catalog() != null) {
                read.add(name);
            }
        });
        return read;
    }

    @Bean
    ConsulWatchDemand isthmusConsulWatchDemand(ConsulCatalogWatcher watcher) {
        return new ConsulWatchDemand(watcher);
    }

    @Bean
    ConsulWatchHealthIndicator consulDiscoveryHealthIndicator(ConsulCatalogWatcher watcher) {
        return new ConsulWatchHealthIndicator(watcher);
    }
}
