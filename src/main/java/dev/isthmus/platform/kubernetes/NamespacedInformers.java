package dev.isthmus.platform.kubernetes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * fabric8 informers for one kind of object in the watched namespaces: one informer across all
 * namespaces, or one per namespace of {@code isthmus.kubernetes.namespaces} (a namespaced watch
 * needs only namespaced RBAC). They share one event handler and are started, read and stopped as
 * one. List and watch, resourceVersion bookkeeping and relisting after 410 Gone stay fabric8's job.
 *
 * @param <T> the watched type
 */
public final class NamespacedInformers<T extends HasMetadata> implements AutoCloseable {

    private final String resource;
    private final List<String> namespaces;
    private final List<SharedIndexInformer<T>> informers;

    private NamespacedInformers(String resource, List<String> namespaces, List<SharedIndexInformer<T>> informers) {
        this.resource = resource;
        this.namespaces = namespaces;
        this.informers = List.copyOf(informers);
    }

    /**
     * Creates the informers; nothing is listed or watched until {@link #start()}.
     *
     * @param resource what is watched, for logs: {@code gatewayroutes.isthmus.dev}
     * @param namespaces the namespaces to watch; empty means all
     * @param informable the list/watch operation for a namespace, or for all namespaces when given null
     * @param onError told about every failed list or watch; the informer retries with backoff
     *     whatever the error (fabric8 gives up on errors before the first sync by default, which
     *     would leave a gateway started before its API server, or before RBAC was fixed, blind)
     */
    public static <T extends HasMetadata> NamespacedInformers<T> create(String resource, List<String> namespaces,
            Function<String, Informable<T>> informable, ResourceEventHandler<? super T> handler,
            Map<String, Function<T, List<String>>> indexers, BiConsumer<String, Throwable> onError) {
        List<String> scopes = namespaces == null || namespaces.isEmpty() ? Collections.singletonList(null) : namespaces;
        List<SharedIndexInformer<T>> informers = new ArrayList<>();
        for (String namespace : scopes) {
            SharedIndexInformer<T> informer = informable.apply(namespace).runnableInformer(0);
            if (!indexers.isEmpty()) {
                informer.addIndexers(indexers);
            }
            informer.addEventHandler(handler);
            String where = namespace == null ? "all namespaces" : "namespace " + namespace;
            informer.exceptionHandler((started, error) -> {
                onError.accept(where, error);
                return true;
            });
            informers.add(informer);
        }
        return new NamespacedInformers<>(resource, scopes, informers);
    }

    /** Starts listing and watching; completes when every informer has listed once. */
    public CompletableFuture<Void> start() {
        return CompletableFuture.allOf(informers.stream().map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new));
    }

    public String resource() {
        return resource;
    }

    /** {@code all namespaces}, or the namespaces watched. */
    public String scope() {
        return namespaces.get(0) == null ? "all namespaces" : "namespace(s) " + String.join(", ", namespaces);
    }

    /** Every object in the caches. */
    public List<T> list() {
        if (informers.size() == 1) {
            return informers.get(0).getStore().list();
        }
        List<T> all = new ArrayList<>();
        informers.forEach(i -> all.addAll(i.getStore().list()));
        return all;
    }

    /** The cached object, or null. */
    public T get(String namespace, String name) {
        String key = namespace == null ? name : namespace + "/" + name;
        for (SharedIndexInformer<T> informer : informers) {
            T item = informer.getStore().getByKey(key);
            if (item != null) {
                return item;
            }
        }
        return null;
    }

    /** The cached objects an index of {@code create} maps to the value. */
    public List<T> byIndex(String index, String value) {
        if (informers.size() == 1) {
            return informers.get(0).getIndexer().byIndex(index, value);
        }
        List<T> all = new ArrayList<>();
        informers.forEach(i -> all.addAll(i.getIndexer().byIndex(index, value)));
        return all;
    }

    /** Whether every informer has a watch open right now (fabric8 reconnects broken ones on its own). */
    public boolean isWatching() {
        return informers.stream().allMatch(SharedIndexInformer::isWatching);
    }

    /** The resource version the caches are at: one number, or {@code ns=version,...} per namespace. */
    public String resourceVersion() {
        if (informers.size() == 1) {
            return informers.get(0).lastSyncResourceVersion();
        }
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < informers.size(); i++) {
            versions.add(namespaces.get(i) + "=" + informers.get(i).lastSyncResourceVersion());
        }
        return String.join(",", versions);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
