package dev.isthmus.model;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Gateway API's ReferenceGrant rule (GEP-709) as every route source's references are judged by it. */
class ReferenceGrantsTest {

    static final ReferenceGrant INVOICE_FOR_SHOP = new ReferenceGrant("billing",
            List.of(new ReferenceGrant.From("isthmus.dev", "GatewayRoute", "shop")),
            List.of(new ReferenceGrant.To("", "Service", "invoice")));
    static final ReferenceGrant EVERY_SERVICE_FOR_OPS = new ReferenceGrant("billing",
            List.of(new ReferenceGrant.From(null, "ConfigMap", "ops")), List.of(new ReferenceGrant.To(null, "Service", "")));

    final ReferenceGrants grants = new ReferenceGrants(List.of(INVOICE_FOR_SHOP, EVERY_SERVICE_FOR_OPS));

    @Test
    void aReferenceWithinOneNamespaceNeedsNoGrant() {
        assertThat(ReferenceGrants.NONE.permitsService(SourceKind.GATEWAY_ROUTE, "shop", "shop", "anything")).isTrue();
    }

    @Test
    void theGrantMustBeInTheTargetsNamespaceAndNameTheReferrersKindNamespaceAndTheTarget() {
        assertThat(grants.permitsService(SourceKind.GATEWAY_ROUTE, "shop", "billing", "invoice")).isTrue();
        assertThat(grants.permitsService(SourceKind.GATEWAY_ROUTE, "shop", "billing", "ledger")).as("another name").isFalse();
        assertThat(grants.permitsService(SourceKind.CONFIG_MAP, "shop", "billing", "invoice")).as("another kind").isFalse();
        assertThat(grants.permitsService(SourceKind.GATEWAY_ROUTE, "evil", "billing", "invoice")).as("another namespace").isFalse();
        assertThat(grants.permitsService(SourceKind.GATEWAY_ROUTE, "shop", "payments", "invoice")).as("a grant elsewhere").isFalse();
        assertThat(grants.permits("isthmus.dev", "GatewayRoute", "shop", "", "Secret", "billing", "invoice")).as("another target kind")
                .isFalse();
    }

    @Test
    void aToWithoutANameCoversEveryObjectOfItsKindAndAMissingGroupIsTheCoreGroup() {
        assertThat(grants.permitsService(SourceKind.CONFIG_MAP, "ops", "billing", "invoice")).isTrue();
        assertThat(grants.permitsService(SourceKind.CONFIG_MAP, "ops", "billing", "ledger")).isTrue();
        assertThat(grants.permitsService(SourceKind.GATEWAY_ROUTE, "ops", "billing", "ledger")).isFalse();
    }
}
