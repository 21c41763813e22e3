package dev.isthmus.config;

import java.time.Duration;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.isthmus.runtime.filter.PathNormalizationWebFilter;
import dev.isthmus.runtime.filter.RequestValidationWebFilter;
import dev.isthmus.model.Cidrs;
import dev.isthmus.server.ManagementPort;
import dev.isthmus.server.RequestOutcomes;
import dev.isthmus.server.ServerHardening;

/**
 * The gateway port's protections, which stand aside on the management port ({@link ManagementPort}):
 * request checks (host, framing, Connection-nominated headers), path normalization, and in the
 * Netty pipeline the client address, slow-client deadlines and HTTP/2 conformance guards.
 */
@AutoConfiguration(after = RoutingAutoConfiguration.class)
@EnableConfigurationProperties(IsthmusProperties.class)
public class ServerHardeningAutoConfiguration {

    @Bean
    RequestValidationWebFilter requestValidationWebFilter(ManagementPort managementPort) {
        return new RequestValidationWebFilter(managementPort);
    }

    @Bean
    PathNormalizationWebFilter pathNormalizationWebFilter(ManagementPort managementPort) {
        return new PathNormalizationWebFilter(managementPort);
    }

    /**
     * Who the client is (trusted proxies, PROXY protocol) and slow-client protection: one policy for
     * every listener of the gateway (this port and the HTTP to HTTPS redirect listener).
     */
    @Bean
    @ConditionalOnMissingBean
    ServerHardening serverHardening(IsthmusProperties properties, Environment environment, ObjectProvider<RequestOutcomes> outcomes) {
        var s = properties.getServer();
        Cidrs trusted = cidrs("isthmus.server.trusted-proxies", s.getTrustedProxies());
        Cidrs lbs = Cidrs.NONE;
        if (s.getProxyProtocol().isEnabled()) {
            lbs = cidrs("isthmus.server.proxy-protocol.trusted-cidrs", s.getProxyProtocol().getTrustedCidrs());
            if (lbs.isEmpty()) {
                throw new IllegalStateException("isthmus.server.proxy-protocol.enabled needs isthmus.server.proxy-protocol.trusted-cidrs: "
                        + "the load balancers whose PROXY header is believed (anyone else could claim any client address)");
            }
        }
        return new ServerHardening(s.getRequestHeaderTimeout(), s.getReadTimeout(),
                environment.getProperty("server.netty.idle-timeout", Duration.class), trusted, lbs,
                s.getHttp2().getMaxConcurrentStreams(), s.getHttp2().isH2cUpgrade(), outcomes.getIfUnique(() -> RequestOutcomes.NONE));
    }

    private static Cidrs cidrs(String property, List<String> values) {
        try {
            return Cidrs.parse(values);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalStateException(property + ": " + e.getMessage(), e);
        }
    }

    /** The management port stands aside: no PROXY protocol there, and its own (Spring Boot) timeouts. */
    @Bean
    NettyServerCustomizer isthmusServerHardening(ServerHardening hardening, ManagementPort managementPort) {
        return server -> hardening.apply(server).doOnChannelInit((observer, channel, address) -> {
            if (managementPort.isLocalAddress(channel.localAddress())) {
                ServerHardening.refuseProxyProtocol(channel.pipeline());
                return;
            }
            hardening.initChannel(channel);
        });
    }
}
