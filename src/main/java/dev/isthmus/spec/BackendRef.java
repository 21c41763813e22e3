package dev.isthmus.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** A backend: a discovered service, or a fixed URL. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.service) != has(self.url)", message = "exactly one of service or url is required")
public record BackendRef(
        @JsonPropertyDescription("Service name: 'quote' (isthmus.discovery.policy decides), 'k8s:ns/name', 'consul:name' or 'consul:dc/name'.")
        @Pattern("^((k8s:([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?)|(consul:([A-Za-z0-9_.-]+/)?))?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")
        @Size(max = 320) String service,
        @JsonPropertyDescription("Port name or number; for Kubernetes services, the Service port. Defaults to the only or first port.")
        @SchemaFrom(type = IntOrString.class) String port,
        @JsonPropertyDescription("Relative weight; 0 takes the backend out of rotation. Default 1.")
        @Min(0) @Max(10000) Integer weight,
        @JsonPropertyDescription("A fixed http(s) URL instead of a service.")
        @Pattern("^https?://") @Size(max = 2048) String url) {
}
