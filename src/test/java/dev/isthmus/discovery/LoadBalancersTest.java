package dev.isthmus.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget.Registry;

import static org.assertj.core.api.Assertions.assertThat;

class LoadBalancersTest {

    static Instance instance(int n, int weight) {
        return new Instance("10.0.0." + n + ":80", "10.0.0." + n, 80, false, weight, Registry.CONSUL, null, Map.of());
    }

    static List<Instance> instances(int count) {
        return IntStream.range(0, count).mapToObj(i -> instance(i, 1)).toList();
    }

    static Map<String, Integer> distribution(LoadBalancer lb, List<Instance> instances, int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(lb.choose(instances, null).id(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinGivesEachInstanceItsWeightedShareExactly() {
        List<Instance> list = List.of(instance(1, 1), instance(2, 3));
        Map<String, Integer> counts = distribution(new RoundRobinBalancer(), list, 400);
        assertThat(counts).containsEntry("10.0.0.1:80", 100).containsEntry("10.0.0.2:80", 300);
    }

    @Test
    void randomIsWeightedWithinTolerance() {
        List<Instance> list = List.of(instance(1, 1), instance(2, 3));
        Map<String, Integer> counts = distribution(new RandomBalancer(), list, 20_000);
        assertThat(counts.get("10.0.0.2:80") / 20_000.0).isBetween(0.72, 0.78);
    }

    @Test
    void leastRequestAvoidsTheBusyInstance() {
        LeastRequestBalancer lb = new LeastRequestBalancer();
        List<Instance> list = instances(2);
        for (int i = 0; i < 10; i++) {
            lb.started(list.get(0));
        }
        Map<String, Integer> counts = distribution(lb, list, 1000);
        // two random draws: the busy one wins only when both draws pick it (~25%)
        assertThat(counts.getOrDefault("10.0.0.0:80", 0)).isBetween(180, 320);
        for (int i = 0; i < 10; i++) {
            lb.finished(list.get(0));
        }
        assertThat(lb.load(list.get(0))).isZero();
    }

    @Test
    void consistentHashIsStickyAndRemapsOnlyWhatItMust() {
        ConsistentHashBalancer lb = new ConsistentHashBalancer();
        List<Instance> four = instances(4);
        List<String> keys = IntStream.range(0, 10_000).mapToObj(i -> "user-" + i).toList();
        Map<String, String> before = new HashMap<>();
        keys.forEach(k -> before.put(k, lb.choose(four, k).id()));
        keys.forEach(k -> assertThat(lb.choose(four, k).id()).isEqualTo(before.get(k)));

        List<Instance> five = new ArrayList<>(four);
        five.add(instance(4, 1));
        long moved = keys.stream().filter(k -> !lb.choose(five, k).id().equals(before.get(k))).count();
        long movedToNew = keys.stream().filter(k -> lb.choose(five, k).id().equals("10.0.0.4:80")).count();
        // scale-out: only keys now owned by the new instance move (~1/5 of them)
        assertThat(moved).isEqualTo(movedToNew);
        assertThat(moved / 10_000.0).isBetween(0.17, 0.23);

        List<Instance> three = four.subList(0, 3);
        long movedOnRemoval = keys.stream().filter(k -> !before.get(k).equals("10.0.0.3:80"))
                .filter(k -> !lb.choose(three, k).id().equals(before.get(k))).count();
        // scale-in: keys of the surviving instances do not move at all
        assertThat(movedOnRemoval).isZero();
    }

    @Test
    void consistentHashHonoursWeights() {
        ConsistentHashBalancer lb = new ConsistentHashBalancer();
        List<Instance> list = List.of(instance(1, 1), instance(2, 3));
        long heavy = IntStream.range(0, 20_000).filter(i -> lb.choose(list, "k" + i).id().equals("10.0.0.2:80")).count();
        assertThat(heavy / 20_000.0).isBetween(0.72, 0.78);
    }
}
