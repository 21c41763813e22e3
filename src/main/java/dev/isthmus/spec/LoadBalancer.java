package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** How an instance is picked among a backend's healthy instances. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.hashOn) == (has(self.policy) && self.policy == 'consistent-hash')",
        message = "hashOn is required with, and only with, policy consistent-hash")
public record LoadBalancer(
        @JsonPropertyDescription("round-robin (default; weighted), least-request (power of two choices on in-flight requests), random (weighted) or consistent-hash (on hashOn).")
        LoadBalancerPolicy policy,
        @JsonPropertyDescription("The key of consistent hashing: exactly one of header, cookie or sourceIp. Only with policy consistent-hash.")
        HashOn hashOn) {
}
