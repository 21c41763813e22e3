package dev.isthmus.runtime;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.compile.BackendTarget;
import dev.isthmus.compile.WeightedBackend;
import dev.isthmus.compile.policy.LoadBalancing;
import dev.isthmus.discovery.ConcurrencyLimiter;
import dev.isthmus.model.Owner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bulkheads are kept per route owner (docs/security.md, Quotas and isolation): two owners' routes to
 * the same upstream get separate in-flight limits, so one owner saturating it cannot make the
 * gateway refuse the other's requests.
 */
class PerOwnerBulkheadTest {

    static final BackendTarget.Url SHARED_URL = new BackendTarget.Url(URI.create("http://10.0.0.7:8080"));
    /** Both namespaces name the same Service explicitly ({@code k8s:billing/invoice}): one target, two owners. */
    static final BackendTarget.Service SHARED_SERVICE = BackendTarget.Service.parse("k8s:billing/invoice", "ignored", "http");

    static BackendPool.Backend backendOf(Owner owner, BackendTarget target) {
        return new BackendPool(List.of(new WeightedBackend(target, 1)), LoadBalancing.ROUND_ROBIN, owner, false).backends().get(0);
    }

    @Test
    void theSameUpstreamHasOneKeyPerOwner() {
        BackendPool.Backend operator = backendOf(Owner.OPERATOR, SHARED_URL);
        BackendPool.Backend shop = backendOf(Owner.namespace("shop"), SHARED_URL);
        BackendPool.Backend shopAgain = backendOf(Owner.namespace("shop"), SHARED_URL);
        BackendPool.Backend billing = backendOf(Owner.namespace("billing"), SHARED_URL);
        BackendPool.Backend vm = backendOf(Owner.consulService("dc1", "shop"), SHARED_URL);

        assertThat(operator.target()).isEqualTo(shop.target());
        assertThat(List.of(operator.bulkheadKey(), shop.bulkheadKey(), billing.bulkheadKey(), vm.bulkheadKey()))
                .as("one key per owner").doesNotHaveDuplicates();
        assertThat(shopAgain.bulkheadKey()).as("an owner's routes share its slots").isEqualTo(shop.bulkheadKey());
        assertThat(backendOf(Owner.namespace("shop"), SHARED_SERVICE).bulkheadKey())
                .isNotEqualTo(backendOf(Owner.namespace("cart"), SHARED_SERVICE).bulkheadKey());
    }

    @Test
    void oneOwnerSaturatingAnUpstreamLeavesTheOtherOwnersSlotsFree() {
        ConcurrencyLimiter bulkhead = new ConcurrencyLimiter(2);
        String a = backendOf(Owner.namespace("shop"), SHARED_SERVICE).bulkheadKey();
        String b = backendOf(Owner.namespace("cart"), SHARED_SERVICE).bulkheadKey();

        assertThat(bulkhead.tryAcquire(a)).isTrue();
        assertThat(bulkhead.tryAcquire(a)).isTrue();
        assertThat(bulkhead.tryAcquire(a)).as("A's overflow").isFalse();
        assertThat(bulkhead.tryAcquire(b)).as("B is not refused while A is saturated").isTrue();
        assertThat(bulkhead.tryAcquire(b)).isTrue();
        assertThat(bulkhead.tryAcquire(b)).as("B has its own limit, not an unlimited one").isFalse();
        assertThat(bulkhead.inFlight(a)).isEqualTo(2);
        assertThat(bulkhead.inFlight(b)).isEqualTo(2);
        assertThat(bulkhead.rejected()).isEqualTo(2);

        bulkhead.release(a);
        assertThat(bulkhead.tryAcquire(a)).as("a released slot goes back to its owner").isTrue();
        assertThat(bulkhead.tryAcquire(b)).as("and not to another").isFalse();
    }
}
