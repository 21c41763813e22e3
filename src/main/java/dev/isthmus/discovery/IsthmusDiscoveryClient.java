package dev.isthmus.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import reactor.core.publisher.Flux;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.core.Ordered;

import dev.isthmus.compile.BackendTarget;

/**
 * The composite resolver behind Spring Cloud's {@link DiscoveryClient} (and, through
 * {@link #reactive()}, {@link ReactiveDiscoveryClient}), for anything in the application that discovers services the
 * Spring Cloud way. Service ids use the route syntax: {@code quote} (resolved by
 * {@code isthmus.discovery.policy}), {@code k8s:ns/quote}, {@code consul:dc2/quote}. Ordered first,
 * so Spring Cloud's composites ask it before any other client.
 */
public final class IsthmusDiscoveryClient implements DiscoveryClient {

    private final CompositeServiceResolver resolver;
    private final String defaultNamespace;

    public IsthmusDiscoveryClient(CompositeServiceResolver resolver, String defaultNamespace) {
        this.resolver = resolver;
        this.defaultNamespace = defaultNamespace;
    }

    @Override
    public String description() {
        return "Isthmus composite discovery (" + resolver.policy().name().toLowerCase().replace('_', '-') + ")";
    }

    @Override
    public List<ServiceInstance> getInstances(String serviceId) {
        BackendTarget.Service service;
        try {
            service = BackendTarget.Service.parse(serviceId, defaultNamespace, null);
        }
        catch (IllegalArgumentException e) {
            return List.of();
        }
        List<ServiceInstance> out = new ArrayList<>();
        for (Instance i : resolver.resolve(service)) {
            var metadata = new java.util.HashMap<>(i.metadata());
            metadata.put("isthmus.registry", i.registry().name().toLowerCase());
            metadata.put("isthmus.weight", String.valueOf(i.weight()));
            out.add(new DefaultServiceInstance(i.id(), serviceId, i.host(), i.port(), i.secure(), metadata));
        }
        return out;
    }

    @Override
    public List<String> getServices() {
        TreeSet<String> names = new TreeSet<>();
        if (resolver.kubernetes() != null) {
            names.addAll(resolver.kubernetes().snapshot().keySet());
        }
        if (resolver.consul() != null) {
            names.addAll(resolver.consul().snapshot().keySet());
        }
        return List.copyOf(names);
    }

    /** The same resolver as a {@link ReactiveDiscoveryClient} (reads are in memory: nothing blocks). */
    public ReactiveDiscoveryClient reactive() {
        IsthmusDiscoveryClient blocking = this;
        return new ReactiveDiscoveryClient() {
            @Override
            public String description() {
                return blocking.description();
            }

            @Override
            public Flux<ServiceInstance> getInstances(String serviceId) {
                return Flux.defer(() -> Flux.fromIterable(blocking.getInstances(serviceId)));
            }

            @Override
            public Flux<String> getServices() {
                return Flux.defer(() -> Flux.fromIterable(blocking.getServices()));
            }

            @Override
            public int getOrder() {
                return Ordered.HIGHEST_PRECEDENCE;
            }
        };
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
