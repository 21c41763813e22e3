package dev.isthmus.config;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.ownership.OwnershipPolicy;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.platform.GatewayIdentity;
import dev.isthmus.source.kubernetes.GatewayClassSelector;

/**
 * The compile step as the gateway would build it from a set of properties, without starting the
 * gateway: the same {@link IsthmusProperties} binding and validation, the same
 * {@link CompileSettings} ({@link RoutingAutoConfiguration#settingsFor}), the same policy
 * units, and the gateway class whose routes the Kubernetes sources would serve. For
 * {@code isthmus validate}.
 *
 * @param gatewayClass which GatewayRoutes and ConfigMap routes the gateway would serve
 */
public record OfflineCompiler(RouteCompiler compiler, CompileSettings settings, GatewayClassSelector gatewayClass) {

    /**
     * @param environment the properties (files, overrides) to read {@code isthmus.*} from
     * @throws IllegalArgumentException naming the property when a value is invalid, as the gateway would refuse to start
     */
    public static OfflineCompiler from(ConfigurableEnvironment environment) {
        IsthmusProperties properties = Binder.get(environment).bind("isthmus", Bindable.of(IsthmusProperties.class))
                .orElseGet(IsthmusProperties::new);
        try (ValidatorFactory validators = Validation.buildDefaultValidatorFactory()) {
            Set<ConstraintViolation<IsthmusProperties>> violations = validators.getValidator().validate(properties);
            if (!violations.isEmpty()) {
                throw new IllegalArgumentException(violations.stream().map(v -> "isthmus." + v.getPropertyPath() + " " + v.getMessage())
                        .sorted().collect(Collectors.joining("; ")));
            }
        }
        OwnershipProperties ownership = Binder.get(environment).bind("isthmus.ownership", Bindable.of(OwnershipProperties.class))
                .orElseGet(OwnershipProperties::new);
        OwnershipPolicy policy;
        try {
            // the gateway's own interface addresses are the running gateway's; offline only its ports are known
            policy = OwnershipAutoConfiguration.policy(ownership, OwnershipAutoConfiguration.guard(ownership,
                    OwnershipAutoConfiguration.gatewayPorts(environment), List.of()));
            if (properties.getConsul().isEnabled()) {
                IsthmusConsulAutoConfiguration.failover(properties.getConsul());
            }
        }
        catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        CompileSettings settings = RoutingAutoConfiguration.settingsFor(properties, GatewayIdentity.detect(environment), policy);
        return new OfflineCompiler(new RouteCompiler(settings, BuiltInPolicies.compilers()), settings,
                new GatewayClassSelector(properties.getKubernetes().getGatewayClass()));
    }
}
