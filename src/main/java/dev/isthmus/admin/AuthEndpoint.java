package dev.isthmus.admin;

import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.isthmus.runtime.auth.CredentialStore;
import dev.isthmus.runtime.auth.JwksRegistry;

/**
 * {@code /actuator/auth}: what route authentication runs on now: each issuer's key set (location,
 * key ids, when fetched, fetches made, the last error) and each htpasswd source routes reference
 * (where, how many users, what keeps users out). Never key material, hashes or credentials.
 */
@Endpoint(id = "auth")
public class AuthEndpoint {

    private final JwksRegistry keys;
    private final CredentialStore credentials;

    public AuthEndpoint(JwksRegistry keys, CredentialStore credentials) {
        this.keys = keys;
        this.credentials = credentials;
    }

    public record AuthReport(List<Map<String, Object>> keySets, List<Map<String, Object>> htpasswd) {
    }

    @ReadOperation
    public AuthReport auth() {
        return new AuthReport(keys.describe(), credentials.describe());
    }
}
