package dev.isthmus.runtime.auth;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A guard's answer: let the request on (with header edits towards the backend), or answer the client. */
public sealed interface AuthDecision {

    /** Admitted with no edits. */
    Allow ALLOW = new Allow(Set.of(), Map.of());

    /**
     * Admitted. {@code remove} (lower-case names) goes first, then {@code set}: a header a guard
     * writes is always removed, so a client can never supply it.
     */
    record Allow(Set<String> remove, Map<String, String> set) implements AuthDecision {
        public boolean edits() {
            return !remove.isEmpty() || !set.isEmpty();
        }
    }

    /** Refused: the status, response headers and body the client gets. */
    record Deny(int status, Map<String, List<String>> headers, byte[] body) implements AuthDecision {

        /** A plain-text refusal in the gateway's usual form: the reason phrase, then why. */
        public static Deny plain(int status, String phrase, String why, Map<String, String> headers) {
            Map<String, List<String>> h = new LinkedHashMap<>();
            headers.forEach((k, v) -> h.put(k, List.of(v)));
            h.put("Content-Type", List.of("text/plain;charset=UTF-8"));
            h.put("Cache-Control", List.of("no-store"));
            return new Deny(status, h, (phrase + ": " + why + "\n").getBytes(StandardCharsets.UTF_8));
        }

        public static Deny forbidden(String why) {
            return plain(403, "Forbidden", why, Map.of());
        }
    }
}
