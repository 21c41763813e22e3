package dev.isthmus.source.gatewayapi;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Kubernetes Gateway API source ({@code isthmus.gateway-api.*}, docs/kubernetes.md): which
 * GatewayClasses this deployment serves, and the data plane its Gateways' listeners map onto.
 * Needs {@code isthmus.kubernetes.enabled=true} (the client, the namespaces watched, the status
 * writer election).
 */
@ConfigurationProperties("isthmus.gateway-api")
public class GatewayApiProperties {

    /** Serve Gateway API GatewayClasses, Gateways and HTTPRoutes (needs the Gateway API CRDs installed and isthmus.kubernetes.enabled). */
    private boolean enabled = false;
    /** GatewayClasses whose spec.controllerName is this are served by this deployment. */
    private String controllerName = GatewayApiSettings.DEFAULT_CONTROLLER_NAME;
    /** The Service port of plain-HTTP listeners: HTTP listeners on this port are served on the gateway's plain-HTTP port; 0 when it serves none (TLS only). */
    private int httpPort = 80;
    /** The Service port of HTTPS listeners: served on the gateway's TLS port; 0 when it terminates no TLS. */
    private int httpsPort = 0;
    /** Secrets (namespace/name) whose certificates the gateway serves from mounted files (SSL bundles); HTTPS listeners may reference only these. */
    private List<String> tlsSecrets = new ArrayList<>();
    /** The gateway's own Service (in its namespace), whose load-balancer ingress (else cluster IP) is every served Gateway's status.addresses. */
    private String serviceName;
    /** Fixed addresses for status.addresses instead (e.g. the VIP of a hardware load balancer in front of NodePorts). */
    private List<String> addresses = new ArrayList<>();

    public GatewayApiSettings settings() {
        return new GatewayApiSettings(controllerName, httpPort > 0 ? httpPort : null, httpsPort > 0 ? httpsPort : null,
                java.util.Set.copyOf(tlsSecrets));
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getControllerName() {
        return controllerName;
    }

    public void setControllerName(String controllerName) {
        this.controllerName = controllerName;
    }

    public int getHttpPort() {
        return httpPort;
    }

    public void setHttpPort(int httpPort) {
        this.httpPort = httpPort;
    }

    public int getHttpsPort() {
        return httpsPort;
    }

    public void setHttpsPort(int httpsPort) {
        this.httpsPort = httpsPort;
    }

    public List<String> getTlsSecrets() {
        return tlsSecrets;
    }

    public void setTlsSecrets(List<String> tlsSecrets) {
        this.tlsSecrets = tlsSecrets;
    }

    public String getServiceName() {
        return serviceName;
    }

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    public List<String> getAddresses() {
        return addresses;
    }

    public void setAddresses(List<String> addresses) {
        this.addresses = addresses;
    }
}
