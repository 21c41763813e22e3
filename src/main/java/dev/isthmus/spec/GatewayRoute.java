package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The GatewayRoute custom resource, {@code gatewayroutes.isthmus.dev/v1alpha1}. Its CRD (with the
 * structural schema from {@link GatewayRouteSpec}) is generated from this class at build time.
 */
@Group(GatewayRoute.GROUP)
@Version(GatewayRoute.VERSION)
@Kind("GatewayRoute")
@Plural("gatewayroutes")
@ShortNames("gr")
@AdditionalPrinterColumn(name = "Hosts", jsonPath = ".spec.hosts", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Path", jsonPath = ".spec.match.path", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Backends", jsonPath = ".spec.backends[*].service", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class GatewayRoute extends CustomResource<GatewayRouteSpec, GatewayRouteStatus> implements Namespaced {

    public static final String GROUP = "isthmus.dev";
    public static final String VERSION = "v1alpha1";

    // Overridden only to describe spec and status in the CRD schema (kubectl explain).
    @Override
    @JsonPropertyDescription("The route as authored: what to match and where to send it.")
    public GatewayRouteSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the gateway made of the route, written by the gateway.")
    public GatewayRouteStatus getStatus() {
        return super.getStatus();
    }

    // The spec is a record without a no-arg constructor: nothing to pre-instantiate.
    @Override
    protected GatewayRouteSpec initSpec() {
        return null;
    }

    @Override
    protected GatewayRouteStatus initStatus() {
        return null;
    }
}
