package dev.isthmus.discovery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Power of two choices: two instances drawn at random (by weight), the one with fewer requests in
 * flight from this gateway wins. Nearly as good as a full scan, at constant cost.
 */
public final class LeastRequestBalancer implements LoadBalancer {

    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private volatile WeightedList cache;

    @Override
    public Instance choose(List<Instance> instances, String hashKey) {
        if (instances.size() == 1) {
            return instances.get(0);
        }
        WeightedList w = WeightedList.of(cache, instances);
        cache = w;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Instance a = w.at(random.nextLong(w.total));
        Instance b = w.at(random.nextLong(w.total));
        return load(b) < load(a) ? b : a;
    }

    int load(Instance instance) {
        AtomicInteger n = inFlight.get(instance.id());
        return n == null ? 0 : n.get();
    }

    @Override
    public void started(Instance instance) {
        inFlight.computeIfAbsent(instance.id(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void finished(Instance instance) {
        AtomicInteger n = inFlight.get(instance.id());
        if (n != null && n.decrementAndGet() <= 0) {
            inFlight.remove(instance.id(), n);
        }
    }
}
