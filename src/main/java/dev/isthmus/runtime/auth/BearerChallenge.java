package dev.isthmus.runtime.auth;

import java.util.Map;

import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.oauth2.server.resource.BearerTokenErrorCodes;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;

/**
 * RFC 6750 §3 answers: 401 with {@code WWW-Authenticate: Bearer} and no error code when the request
 * had no token; 401 {@code invalid_token} for a token that fails; 400 {@code invalid_request} for a
 * malformed one; 403 {@code insufficient_scope}. The errors are Spring Security's
 * ({@link BearerTokenErrors}); the header is rendered here as Spring Security's
 * {@code BearerTokenServerAuthenticationEntryPoint} renders it, from values rather than a WebFlux
 * exchange. Descriptions are the gateway's own words, never token contents.
 */
public final class BearerChallenge {

    private BearerChallenge() {
    }

    public static AuthDecision.Deny missing() {
        return AuthDecision.Deny.plain(401, "Unauthorized", "a bearer token is required", Map.of("WWW-Authenticate", "Bearer"));
    }

    public static AuthDecision.Deny invalidToken(String description) {
        return answer(BearerTokenErrors.invalidToken(safe(description)));
    }

    public static AuthDecision.Deny invalidRequest(String description) {
        return answer(BearerTokenErrors.invalidRequest(safe(description)));
    }

    public static AuthDecision.Deny insufficientScope(String scope) {
        return answer(BearerTokenErrors.insufficientScope("the token lacks a required scope", safe(scope)));
    }

    private static AuthDecision.Deny answer(BearerTokenError error) {
        StringBuilder h = new StringBuilder("Bearer error=\"").append(error.getErrorCode()).append('"');
        if (error.getDescription() != null) {
            h.append(", error_description=\"").append(error.getDescription()).append('"');
        }
        if (BearerTokenErrorCodes.INSUFFICIENT_SCOPE.equals(error.getErrorCode()) && error.getScope() != null) {
            h.append(", scope=\"").append(error.getScope()).append('"');
        }
        return AuthDecision.Deny.plain(error.getHttpStatus().value(), error.getHttpStatus().getReasonPhrase(), error.getDescription() == null ? error.getErrorCode() : error.getDescription(),
                Map.of("WWW-Authenticate", h.toString()));
    }

    /** RFC 6750 §3: error_description and scope are %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash). */
    static String safe(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && out.length() < 200; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' ? c : ' ');
        }
        return out.toString();
    }
}
