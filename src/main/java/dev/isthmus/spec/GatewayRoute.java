package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonClassDescription;
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
// Columns in the order kubectl shows them (the build keeps this order: see CrdManifest). The API
// server prints only the first value a column's JSONPath finds, and prints lists and objects as
// JSON, so each path selects one scalar: the first host, the path whichever of prefix, exact or
// regex is set, the first backend's service or url.
@AdditionalPrinterColumn(name = "Hosts", jsonPath = ".spec.hosts[*]", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The first of the hosts the route serves; none means any host.")
@AdditionalPrinterColumn(name = "Path", jsonPath = ".spec.match.path.*", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The path prefix, exact path or regex matched.")
@AdditionalPrinterColumn(name = "Backends", jsonPath = ".spec.backends[0]['service','url']", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The first backend: its service or url.")
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status",
        type = AdditionalPrinterColumn.Type.STRING, getDescription = "Whether the gateway accepted the route (status.conditions).")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("A route of the Isthmus gateway: which requests it matches (hosts, path, methods, headers, query)"
        + " and where they go (backends found in Kubernetes or Consul, or a redirect), with its rewrites and policies."
        + " The gateway reports what it made of it in status.conditions.")
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
