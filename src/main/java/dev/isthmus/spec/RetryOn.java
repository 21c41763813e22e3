package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Retry conditions, named and grouped as Envoy names them. */
public enum RetryOn {
    /** The connection to the instance could not be made. */
    @JsonProperty("connect-failure") CONNECT_FAILURE,
    /** The connection was reset or closed before a response. */
    @JsonProperty("reset") RESET,
    /** The per-try timeout elapsed. */
    @JsonProperty("timeout") TIMEOUT,
    /** 502, 503 or 504 from the backend, plus connect-failure and timeout. */
    @JsonProperty("gateway-error") GATEWAY_ERROR,
    /** Any 5xx from the backend, plus connect-failure, reset and timeout. */
    @JsonProperty("5xx") SERVER_ERROR
}
