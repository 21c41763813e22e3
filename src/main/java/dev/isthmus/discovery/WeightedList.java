package dev.isthmus.discovery;

import java.util.List;

/**
 * Cumulative weights of an instance list, so a weighted pick is a binary search. Registries publish
 * new list objects on change, so a balancer caches this per list identity.
 */
final class WeightedList {

    final List<Instance> instances;
    final long[] cumulative;
    final long total;
    final boolean uniform;

    WeightedList(List<Instance> instances) {
        this.instances = instances;
        this.cumulative = new long[instances.size()];
        long sum = 0;
        boolean same = true;
        int first = instances.isEmpty() ? 1 : instances.get(0).weight();
        for (int i = 0; i < instances.size(); i++) {
            sum += instances.get(i).weight();
            cumulative[i] = sum;
            same &= instances.get(i).weight() == first;
        }
        this.total = sum;
        this.uniform = same;
    }

    /** The instance owning the weighted position {@code point} in [0, total). */
    Instance at(long point) {
        if (uniform) {
            return instances.get((int) (point / instances.get(0).weight()));
        }
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > point) {
                hi = mid;
            }
            else {
                lo = mid + 1;
            }
        }
        return instances.get(lo);
    }

    static WeightedList of(WeightedList cached, List<Instance> instances) {
        return cached != null && cached.instances == instances ? cached : new WeightedList(instances);
    }
}
