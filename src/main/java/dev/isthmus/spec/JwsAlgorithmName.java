package dev.isthmus.spec;

/** The asymmetric JWS algorithms a route may accept (RFC 7518 §3.1). HS* would make the public JWKS a shared secret; none verifies nothing. */
public enum JwsAlgorithmName {
    RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512
}
