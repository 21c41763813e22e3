package dev.isthmus.runtime.filter;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.compile.HeaderNames;
import dev.isthmus.compile.ownership.DestinationGuard;
import dev.isthmus.runtime.GuardedAddressResolver;

/**
 * Sends a copy of a share of requests to a shadow backend and ignores what it answers (Envoy's
 * request mirroring; the copy's Host gets a {@code -shadow} suffix). The client's request never
 * waits for the shadow: the copy is sent on its own, with a bounded number in flight, and bodies
 * larger than {@code maxBodyBytes} (or of unknown length) are not mirrored. Spring Cloud Gateway
 * has no mirroring filter.
 */
public class MirrorGatewayFilterFactory extends AbstractGatewayFilterFactory<MirrorGatewayFilterFactory.Config> {

    private static final Logger log = LoggerFactory.getLogger(MirrorGatewayFilterFactory.class);

    private final HttpClient operatorClient;
    private final HttpClient tenantClient;
    private final Semaphore inFlight;
    private final int maxBodyBytes;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** @param guard the destination rules: copies are connected like the route's own requests ({@link GuardedAddressResolver}) */
    public MirrorGatewayFilterFactory(HttpClient client, DestinationGuard guard, int maxInFlight, int maxBodyBytes) {
        super(Config.class);
        HttpClient base = client.responseTimeout(Duration.ofSeconds(10));
        this.operatorClient = GuardedAddressResolver.guard(base, guard, DestinationGuard.Trust.OPERATOR);
        this.tenantClient = GuardedAddressResolver.guard(base, guard, DestinationGuard.Trust.TENANT);
        this.inFlight = new Semaphore(maxInFlight);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public GatewayFilter apply(Config config) {
        return new GatewayFilter() {
            @Override
            public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
                return mirror(config, exchange, chain);
            }

            @Override
            public String toString() {
                return GatewayToStringStyler.filterToStringCreator(MirrorGatewayFilterFactory.this)
                        .append("target", config.getDescription()).append("percent", config.getPercent()).toString();
            }
        };
    }

    private Mono<Void> mirror(Config config, ServerWebExchange exchange, GatewayFilterChain chain) {
        {
            if (config.getPercent() < 100 && ThreadLocalRandom.current().nextInt(100) >= config.getPercent()) {
                return chain.filter(exchange);
            }
            URI base = config.getTarget().get();
            ServerHttpRequest request = exchange.getRequest();
            long length = request.getHeaders().getContentLength();
            boolean chunked = request.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING);
            if (base == null || length > maxBodyBytes || (chunked && length < 0) || !inFlight.tryAcquire()) {
                dropped.incrementAndGet();
                return chain.filter(exchange);
            }
            if (length <= 0) {
                send(config, base, request, new byte[0]);
                return chain.filter(exchange);
            }
            // The permit is the copy's: released when the copy completes, or here if the body never
            // arrives (the client aborts the upload, the join fails or is cancelled).
            AtomicBoolean handedToCopy = new AtomicBoolean();
            return DataBufferUtils.join(request.getBody(), maxBodyBytes).defaultIfEmpty(exchange.getResponse().bufferFactory().wrap(new byte[0]))
                    .flatMap(joined -> {
                        byte[] body = new byte[joined.readableByteCount()];
                        joined.read(body);
                        DataBufferUtils.release(joined);
                        handedToCopy.set(true);
                        send(config, base, request, body);
                        return chain.filter(exchange.mutate().request(replay(exchange, request, body)).build());
                    })
                    .doFinally(signal -> {
                        if (handedToCopy.compareAndSet(false, true)) {
                            inFlight.release();
                            dropped.incrementAndGet();
                        }
                    });
        }
    }

    private static ServerHttpRequest replay(ServerWebExchange exchange, ServerHttpRequest request, byte[] body) {
        return new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(exchange.getResponse().bufferFactory().wrap(body)));
            }
        };
    }

    private void send(Config config, URI base, ServerHttpRequest request, byte[] body) {
        HttpClient client = config.getTrust() == DestinationGuard.Trust.OPERATOR ? operatorClient : tenantClient;
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        request.getHeaders().forEach((name, values) -> {
            if (!HeaderNames.isHopByHop(name)) {
                headers.add(name, values);
            }
        });
        String host = request.getHeaders().getFirst(HttpHeaders.HOST);
        if (host != null) {
            int colon = host.lastIndexOf(':');
            headers.set(HttpHeaders.HOST, colon > 0 && colon > host.lastIndexOf(']')
                    ? host.substring(0, colon) + "-shadow" + host.substring(colon) : host + "-shadow");
        }
        String query = request.getURI().getRawQuery();
        String uri = base.toString() + request.getURI().getRawPath() + (query == null ? "" : "?" + query);
        try {
            client.headers(h -> h.set(headers))
                    .request(HttpMethod.valueOf(request.getMethod().name()))
                    .uri(uri)
                    .send(body.length == 0 ? ByteBufFlux.empty() : ByteBufFlux.fromInbound(Mono.just(Unpooled.wrappedBuffer(body))))
                    .responseSingle((response, content) -> content.then(Mono.just(response.status().code())))
                    .doFinally(s -> inFlight.release())
                    .subscribe(code -> sent.incrementAndGet(), e -> log.debug("Mirror request to {} failed: {}", base, e.toString()));
        }
        catch (RuntimeException e) {
            inFlight.release(); // never subscribed: doFinally will not run
            log.debug("Mirror request to {} not sent: {}", base, e.toString());
        }
    }

    /** Permits free for mirrored copies (for tests and diagnostics). */
    public int availablePermits() {
        return inFlight.availablePermits();
    }

    public long sentCount() {
        return sent.get();
    }

    public long droppedCount() {
        return dropped.get();
    }

    public static class Config {
        private Supplier<URI> target;
        private String description;
        private int percent = 100;
        private DestinationGuard.Trust trust = DestinationGuard.Trust.TENANT;

        /** How far the target's addresses are trusted: the routes file's url: targets as the operator's, all else as a tenant's. */
        public DestinationGuard.Trust getTrust() {
            return trust;
        }

        public Config setTrust(DestinationGuard.Trust trust) {
            this.trust = trust;
            return this;
        }

        /** The target as written (a service or URL), for logs and {@code /actuator/gateway}. */
        public String getDescription() {
            return description;
        }

        public Config setDescription(String description) {
            this.description = description;
            return this;
        }

        /** Where the copy goes: scheme://host:port, picked per request; null skips mirroring. */
        public Supplier<URI> getTarget() {
            return target;
        }

        public Config setTarget(Supplier<URI> target) {
            this.target = target;
            return this;
        }

        public int getPercent() {
            return percent;
        }

        public Config setPercent(int percent) {
            this.percent = percent;
            return this;
        }
    }
}
