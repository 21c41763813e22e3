package dev.isthmus.discovery;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice. */
public final class RandomBalancer implements LoadBalancer {

    private volatile WeightedList cache;

    @Override
    public Instance choose(List<Instance> instances, String hashKey) {
        if (instances.size() == 1) {
            return instances.get(0);
        }
        WeightedList w = WeightedList.of(cache, instances);
        cache = w;
        return w.at(ThreadLocalRandom.current().nextLong(w.total));
    }
}
