package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.ValidationRule;

/** How an instance is picked among a backend's healthy instances. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.hashOn) == (has(self.policy) && self.policy == 'consistent-hash')",
        message = "hashOn is required with, and only with, policy consistent-hash")
public record LoadBalancer(LoadBalancerPolicy policy, HashOn hashOn) {
}
