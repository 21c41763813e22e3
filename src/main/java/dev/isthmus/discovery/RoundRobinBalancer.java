package dev.isthmus.discovery;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Weighted round robin: each instance gets its weight's share of every cycle, in order. */
public final class RoundRobinBalancer implements LoadBalancer {

    private final AtomicLong counter = new AtomicLong(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16));
    private volatile WeightedList cache;

    @Override
    public Instance choose(List<Instance> instances, String hashKey) {
        if (instances.size() == 1) {
            return instances.get(0);
        }
        WeightedList w = WeightedList.of(cache, instances);
        cache = w;
        return w.at(Math.floorMod(counter.getAndIncrement(), w.total));
    }
}
