package dev.isthmus.discovery;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted rendezvous (highest random weight) hashing: every instance scores the key and the
 * highest score wins. When an instance leaves, only its keys move; when one joins, it takes only
 * the keys it now wins (about 1/n of them). No ring to rebuild, and weights are exact.
 * Cost is linear in the instance count, which for one service's instances is small.
 */
public final class ConsistentHashBalancer implements LoadBalancer {

    @Override
    public Instance choose(List<Instance> instances, String hashKey) {
        if (instances.size() == 1) {
            return instances.get(0);
        }
        if (hashKey == null) {
            return instances.get(ThreadLocalRandom.current().nextInt(instances.size()));
        }
        long keyHash = murmur64(hashKey.getBytes(StandardCharsets.UTF_8), 0x9747b28cL);
        Instance best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Instance instance : instances) {
            long h = mix(keyHash ^ murmur64(instance.id().getBytes(StandardCharsets.UTF_8), 0x5bd1e995L));
            // uniform in (0, 1); -w / ln(u) is the weighted rendezvous score
            double u = ((h >>> 11) + 1) / (double) (1L << 53);
            double score = -instance.weight() / Math.log(u);
            if (score > bestScore || (score == bestScore && instance.id().compareTo(best.id()) < 0)) {
                best = instance;
                bestScore = score;
            }
        }
        return best;
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static long murmur64(byte[] data, long seed) {
        long h = seed ^ (data.length * 0xc6a4a7935bd1e995L);
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0xc6a4a7935bd1e995L;
            h ^= h >>> 47;
        }
        return mix(h);
    }
}
