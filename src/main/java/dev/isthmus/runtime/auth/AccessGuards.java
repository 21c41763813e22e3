package dev.isthmus.runtime.auth;

import java.util.ArrayList;
import java.util.List;

import reactor.netty.http.client.HttpClient;

import dev.isthmus.compile.CompiledRoute;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.policy.BasicAuthPolicy;
import dev.isthmus.compile.policy.ForwardAuthPolicy;
import dev.isthmus.compile.policy.IpAllowPolicy;
import dev.isthmus.compile.policy.IpDenyPolicy;
import dev.isthmus.compile.policy.JwtAuthPolicy;
import dev.isthmus.runtime.ActiveRoute;
import dev.isthmus.runtime.RouteTable;
import dev.isthmus.runtime.RouteTableListener;

/**
 * Builds the guard of an access policy ({@code ipDeny}, {@code ipAllow}, {@code auth.basic},
 * {@code auth.jwt}, {@code auth.forward}) with the shared parts it needs: the issuers' key sources,
 * the htpasswd store, the bcrypt pool, the authorization answers cache and the gateway's HTTP
 * client. Every data plane builds its guards here, so a route's keys, users and cached answers are
 * the same whichever path serves a request. After each table swap, key sources and htpasswd sources
 * no route references any more are released.
 */
public final class AccessGuards implements RouteTableListener {

    /** The names of the policies this builds guards for, in the order they apply. */
    public static final List<String> POLICIES = List.of(IpDenyPolicy.NAME, IpAllowPolicy.NAME, BasicAuthPolicy.NAME, JwtAuthPolicy.NAME,
            ForwardAuthPolicy.NAME);

    private final JwksRegistry keys;
    private final CredentialStore credentials;
    private final BcryptVerifier bcrypt;
    private final ForwardAuthCache answers;
    private final HttpClient client;
    private final int maxDenialBodyBytes;

    /**
     * @param client the gateway's upstream client: authorization checks share its connection pool
     * @param maxDenialBodyBytes the most of an authorization service's denial body passed to the client
     */
    public AccessGuards(JwksRegistry keys, CredentialStore credentials, BcryptVerifier bcrypt, ForwardAuthCache answers, HttpClient client,
            int maxDenialBodyBytes) {
        this.keys = keys;
        this.credentials = credentials;
        this.bcrypt = bcrypt;
        this.answers = answers;
        this.client = client;
        this.maxDenialBodyBytes = maxDenialBodyBytes;
    }

    /** The guard of an access policy; null for a policy of another kind. */
    public RequestGuard guard(RoutePolicy policy) {
        if (policy instanceof IpDenyPolicy p) {
            return AddressListGuard.deny(p.cidrs());
        }
        if (policy instanceof IpAllowPolicy p) {
            return AddressListGuard.allow(p.cidrs());
        }
        if (policy instanceof BasicAuthPolicy p) {
            return new BasicAuthenticator(p, credentials.handle(p.source()), bcrypt);
        }
        if (policy instanceof JwtAuthPolicy p) {
            return new JwtVerifier(p, keys.source(p));
        }
        if (policy instanceof ForwardAuthPolicy p) {
            return new ForwardAuthClient(p, client, answers, maxDenialBodyBytes);
        }
        return null;
    }

    @Override
    public void tableSwapped(RouteTable table, RouteTable previous) {
        List<JwtAuthPolicy> jwt = new ArrayList<>();
        List<BasicAuthPolicy.Htpasswd> htpasswd = new ArrayList<>();
        for (ActiveRoute r : table.routes()) {
            CompiledRoute c = r.compiled();
            JwtAuthPolicy j = c.policy(JwtAuthPolicy.class);
            if (j != null) {
                jwt.add(j);
            }
            BasicAuthPolicy b = c.policy(BasicAuthPolicy.class);
            if (b != null) {
                htpasswd.add(b.source());
            }
        }
        keys.retain(jwt);
        credentials.retain(htpasswd);
    }

    public JwksRegistry keys() {
        return keys;
    }

    public CredentialStore credentials() {
        return credentials;
    }
}
