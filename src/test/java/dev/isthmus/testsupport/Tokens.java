package dev.isthmus.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/** Tokens signed in the test with Nimbus JOSE, as an identity provider would sign them (and as attackers would forge them). */
public final class Tokens {

    private Tokens() {
    }

    public static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims valid for an hour from now: iss, sub, aud, iat, exp, plus {@code extra}. */
    public static JWTClaimsSet.Builder claims(String issuer, String subject, List<String> audience, Map<String, Object> extra) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer).subject(subject).audience(audience).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
        extra.forEach(b::claim);
        return b;
    }

    /** Signed with {@code key} (RS256 for RSA, ES256 for EC), its kid in the header. */
    public static String sign(JWK key, JWTClaimsSet claims) {
        try {
            if (key instanceof RSAKey rsa) {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
                jwt.sign(new RSASSASigner(rsa));
                return jwt.serialize();
            }
            ECKey ec = (ECKey) key;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
            jwt.sign(new ECDSASigner(ec));
            return jwt.serialize();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signed with {@code key} but naming {@code kid} in the header. */
    public static String signAs(RSAKey key, String kid, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg: none}: no signature at all. */
    public static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /**
     * The classic key-confusion forgery: HS256 with the issuer's public key (its X.509 encoding) as
     * the HMAC secret, and the real key's kid, for verifiers that take "the key" for whatever alg
     * the token names.
     */
    public static String hs256WithPublicKey(RSAKey issuerKey, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuerKey.getKeyID()).build(), claims);
            jwt.sign(new MACSigner(issuerKey.toRSAPublicKey().getEncoded()));
            return jwt.serialize();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
