package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a rate-limit bucket lives. */
public enum RateLimitScope {
    @JsonProperty("local") LOCAL,
    @JsonProperty("redis") REDIS
}
