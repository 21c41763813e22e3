package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Load-balancing policies. */
public enum LoadBalancerPolicy {
    @JsonProperty("round-robin") ROUND_ROBIN,
    /** Power of two choices on in-flight requests. */
    @JsonProperty("least-request") LEAST_REQUEST,
    @JsonProperty("random") RANDOM,
    /** Rendezvous hashing on the key given by hashOn: sticky, minimal remapping. */
    @JsonProperty("consistent-hash") CONSISTENT_HASH
}
