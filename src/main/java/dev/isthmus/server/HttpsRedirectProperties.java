package dev.isthmus.server;

import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The optional plain-HTTP listener that sends every request to the HTTPS gateway port
 * ({@code isthmus.http-redirect.*}).
 */
@ConfigurationProperties("isthmus.http-redirect")
public class HttpsRedirectProperties {

    static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 307, 308);

    /** Whether to listen on a plain-HTTP port that redirects every request to https, keeping host, path and query. */
    private boolean enabled = false;
    /** The plain-HTTP port; must differ from server.port (which serves TLS when this is on). */
    private int port = 8080;
    /** The address to bind; default: every interface. */
    private String address;
    /** The HTTPS port as clients reach it (the load balancer's, not the pod's); 443 is left out of the Location. */
    private int httpsPort = 443;
    /** 301, 302, 307 or 308. 308 (permanent, keeps method and body) unless old clients need 301. */
    private int status = 308;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public int getHttpsPort() {
        return httpsPort;
    }

    public void setHttpsPort(int httpsPort) {
        this.httpsPort = httpsPort;
    }

    public int getStatus() {
        return status;
    }

    public void setStatus(int status) {
        this.status = status;
    }
}
