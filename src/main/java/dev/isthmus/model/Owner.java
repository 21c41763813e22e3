package dev.isthmus.model;

import java.util.Comparator;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Who a route belongs to, derived from its provenance alone: the routes file is the operator's; a
 * GatewayRoute, a ConfigMap (and any other namespaced Kubernetes object) belongs to its namespace;
 * a Consul service's tag route to that service in its datacenter. Owners are the unit of trust:
 * hosts are claimed, quotas counted, precedence compared and upstream health kept per owner
 * (docs/security.md).
 *
 * @param scope the namespace or the datacenter; null for the operator
 * @param name the namespace again for namespace owners, the service for Consul owners
 */
public record Owner(Kind kind, String scope, String name) {

    public enum Kind {
        /** The routes file: the gateway's operator, trusted with every host and destination. */
        OPERATOR,
        /** A Kubernetes namespace: every GatewayRoute and labelled ConfigMap in it. */
        NAMESPACE,
        /** One Consul service (datacenter and name): whoever may register it. */
        CONSUL_SERVICE
    }

    public static final Owner OPERATOR = new Owner(Kind.OPERATOR, null, "operator");

    /** Operator first, then namespaces, then Consul services, each by name: a total, stable order. */
    public static final Comparator<Owner> ORDER = Comparator.comparing(Owner::kind)
            .thenComparing(o -> Objects.toString(o.scope(), "")).thenComparing(Owner::name);

    public Owner {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static Owner namespace(String namespace) {
        return new Owner(Kind.NAMESPACE, namespace, namespace);
    }

    public static Owner consulService(String datacenter, String service) {
        return new Owner(Kind.CONSUL_SERVICE, datacenter, service);
    }

    public static Owner of(Provenance provenance) {
        return of(provenance.object());
    }

    /** The owner of a source object: its kind and where it lives decide, never what it says about itself. */
    public static Owner of(ObjectRef object) {
        if (object.kind() == SourceKind.FILE || object.kind() == SourceKind.PROPERTIES) {
            return OPERATOR;
        }
        if (object.kind() == SourceKind.CONSUL) {
            return consulService(object.namespace(), object.name());
        }
        // every other source is a namespaced Kubernetes object
        return namespace(object.namespace() == null ? "" : object.namespace());
    }

    public boolean isOperator() {
        return kind == Kind.OPERATOR;
    }

    /** The namespace of a namespace owner, else null. */
    public String namespace() {
        return kind == Kind.NAMESPACE ? name : null;
    }

    /**
     * How status messages, logs and {@code /actuator/routes} name the owner: {@code operator},
     * {@code namespace shop}, {@code consul service dc1/billing}. Never more than that: another
     * owner's route names stay private to it (a rejected route learns who holds a host, not how).
     */
    /** The owner as a metric tag value ({@code isthmus.routes{owner}}): {@code operator}, {@code namespace/shop}, {@code consul/dc1/billing}. */
    public String tag() {
        return switch (kind) {
            case OPERATOR -> "operator";
            case NAMESPACE -> "namespace/" + name;
            case CONSUL_SERVICE -> "consul/" + scope + "/" + name;
        };
    }

    @JsonValue
    @Override
    public String toString() {
        return switch (kind) {
            case OPERATOR -> "operator";
            case NAMESPACE -> "namespace " + name;
            case CONSUL_SERVICE -> "consul service " + scope + "/" + name;
        };
    }
}
