package dev.isthmus.compile;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import dev.isthmus.spec.UpstreamProtocol;

/**
 * How the gateway connects to one backend when it is not plain HTTP/1.1 with the gateway-wide TLS
 * settings: the protocol ({@code backends[].protocol}) and the backend's own TLS ({@code backends[].tls}).
 *
 * @param tls null: TLS only as before (https:// URLs, secure instances) with the gateway-wide client
 *     settings; else TLS with these settings, always (h2 without a {@code tls} block gets {@link Tls#DEFAULTS})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpstreamTransport(UpstreamProtocol protocol, Tls tls) {

    public UpstreamTransport {
        Objects.requireNonNull(protocol, "protocol");
    }

    /** Whether the connection is TLS whatever the instance or URL says. */
    public boolean secure() {
        return tls != null;
    }

    /** Where PEM text comes from. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "from")
    @JsonSubTypes({ @JsonSubTypes.Type(value = Pem.File.class, name = "file"), @JsonSubTypes.Type(value = Pem.Secret.class, name = "secret") })
    public sealed interface Pem {

        /** A file on the gateway (operator routes only). */
        record File(String path) implements Pem {
            @Override
            public String toString() {
                return "file " + path;
            }
        }

        /** A key of a Secret in the route's own namespace. */
        record Secret(String namespace, String name, String key) implements Pem {
            @Override
            public String toString() {
                return "secret " + namespace + "/" + name + "[" + key + "]";
            }
        }
    }

    /**
     * A backend's TLS settings.
     *
     * @param ca the trust roots; null: isthmus.upstream.tls.ca-file, else the JVM's trust store
     * @param serverName SNI and the name checked in the certificate; null: the URL's host or the
     *     Kubernetes service's {@code name.namespace.svc}, else the instance address
     * @param certificate, key the client certificate chain and its key (mutual TLS); null: the
     *     gateway-wide isthmus.upstream.tls.client-certificate, else none
     * @param insecureSkipVerify no verification at all (operator routes only)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tls(Pem ca, String serverName, Pem certificate, Pem key, boolean insecureSkipVerify) {

        /** TLS with the gateway-wide trust and client certificate. */
        public static final Tls DEFAULTS = new Tls(null, null, null, null, false);

        public Tls {
            if ((certificate == null) != (key == null)) {
                throw new IllegalArgumentException("a client certificate needs both its chain and its key");
            }
        }

        /** The same settings with a default server name filled in, when none was written. */
        public Tls withDefaultServerName(String name) {
            return serverName != null || name == null ? this : new Tls(ca, name, certificate, key, insecureSkipVerify);
        }
    }
}
