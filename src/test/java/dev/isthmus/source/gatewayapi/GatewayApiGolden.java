package dev.isthmus.source.gatewayapi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import dev.isthmus.config.IsthmusProperties;

/** Reads a golden case's input: the translator's settings and the Kubernetes objects, as kubectl would apply them. */
final class GatewayApiGolden {

    static final KubernetesSerialization KUBE = new KubernetesSerialization();

    record Case(GatewayApiSettings settings, GatewayApiObjects objects) {
    }

    private GatewayApiGolden() {
    }

    static Case read(Path file) throws IOException {
        JsonNode in = GatewayApiTranslatorGoldenTest.YAML.readTree(file.toFile());
        JsonNode s = in.path("settings");
        HashSet<String> secrets = new HashSet<>();
        s.path("tlsSecrets").forEach(n -> secrets.add(n.asText()));
        GatewayApiSettings settings = new GatewayApiSettings(s.path("controllerName").asText(IsthmusProperties.GatewayApi.DEFAULT_CONTROLLER_NAME),
                s.has("httpPort") && !s.get("httpPort").isNull() ? s.get("httpPort").asInt() : null,
                s.has("httpsPort") && !s.get("httpsPort").isNull() ? s.get("httpsPort").asInt() : null, secrets);
        List<String> addresses = new ArrayList<>();
        in.path("addresses").forEach(a -> addresses.add(a.asText()));
        return new Case(settings, objects(in.path("objects"), addresses));
    }

    static GatewayApiObjects objects(Iterable<JsonNode> nodes, List<String> addresses) {
        List<GatewayClass> classes = new ArrayList<>();
        List<Gateway> gateways = new ArrayList<>();
        List<HTTPRoute> routes = new ArrayList<>();
        List<ReferenceGrant> grants = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        List<Namespace> namespaces = new ArrayList<>();
        for (JsonNode node : nodes) {
            HasMetadata o = KUBE.unmarshal(node.toString());
            if (o instanceof GatewayClass c) {
                classes.add(c);
            }
            else if (o instanceof Gateway g) {
                gateways.add(g);
            }
            else if (o instanceof HTTPRoute r) {
                routes.add(r);
            }
            else if (o instanceof ReferenceGrant g) {
                grants.add(g);
            }
            else if (o instanceof Service v) {
                services.add(v);
            }
            else if (o instanceof Namespace n) {
                namespaces.add(n);
            }
            else {
                throw new IllegalArgumentException("unexpected " + o.getKind());
            }
        }
        return new GatewayApiObjects(classes, gateways, routes, grants, services, namespaces, addresses);
    }
}
