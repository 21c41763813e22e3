package dev.isthmus.spec;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/** Header edits, applied remove, then set, then add. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HeaderOperations(
        @JsonPropertyDescription("Headers to set, replacing any value they had.")
        @Size(max = 64) Map<String, String> set,
        @JsonPropertyDescription("Headers to add, keeping the values they had.")
        @Size(max = 64) Map<String, String> add,
        @JsonPropertyDescription("Names of headers to remove.")
        @Size(max = 64) List<String> remove) {

    /** Longest header value a route may set or add, in characters. */
    public static final int MAX_VALUE = 8192;
}
