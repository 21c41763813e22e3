package dev.isthmus.config;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;

import dev.isthmus.runtime.filter.PathNormalizationWebFilter;
import dev.isthmus.runtime.filter.RequestHeaderTimeoutHandler;
import dev.isthmus.runtime.filter.RequestValidationWebFilter;
import dev.isthmus.server.ManagementPort;

/**
 * The gateway port's protections, which stand aside on the management port ({@link ManagementPort}):
 * ambiguous-host refusal, path normalization, and slow-client deadlines in the Netty pipeline.
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
     * Slow-client protection on the gateway port only: a deadline for the first request's headers
     * and reactor-netty's read timeout between body reads.
     */
    @Bean
    NettyServerCustomizer isthmusServerHardening(IsthmusProperties properties, ManagementPort managementPort) {
        var s = properties.getServer();
        return server -> server.readTimeout(s.getReadTimeout()).doOnChannelInit((observer, channel, address) -> {
            if (managementPort.isLocalAddress(channel.localAddress())) {
                return;
            }
            if (channel.pipeline().get(reactor.netty.NettyPipeline.HttpCodec) != null) {
                channel.pipeline().addAfter(reactor.netty.NettyPipeline.HttpCodec, RequestHeaderTimeoutHandler.NAME,
                        new RequestHeaderTimeoutHandler(s.getRequestHeaderTimeout()));
            }
        });
    }
}
