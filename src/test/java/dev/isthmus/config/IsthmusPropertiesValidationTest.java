package dev.isthmus.config;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad isthmus.* value stops start-up, naming the property and the rule. */
class IsthmusPropertiesValidationTest {

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class, FileSourceAutoConfiguration.class));

    @Test
    void theDefaultsAreValid() {
        runner.run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(IsthmusProperties.class));
    }

    @Test
    void aBadValueFailsStartUpWithThePropertyName() {
        assertThat(startupReport("isthmus.upstream.max-ejection-percent=150")).contains("Property: isthmus.upstream.maxEjectionPercent")
                .contains("Value: \"150\"").contains("must be less than or equal to 100");
        assertThat(startupReport("isthmus.consul.wait=11m")).contains("Property: isthmus.consul.wait");
        assertThat(startupReport("isthmus.rate-limit.max-keys=0")).contains("Property: isthmus.rateLimit.maxKeys");
        assertThat(startupReport("isthmus.file.path= ")).contains("Property: isthmus.file.path");
    }

    @Test
    void aBadConsulVerdictPrefixFailsStartUpWithThePropertyName() {
        assertThat(startupReport("isthmus.consul.status.prefix=/isthmus/status")).contains("Property: isthmus.consul.status.prefix")
                .contains("without a leading or trailing '/'");
        assertThat(startupReport("isthmus.consul.status.prefix=isthmus/status/")).contains("Property: isthmus.consul.status.prefix");
        assertThat(startupReport("isthmus.consul.status.prefix=isthmus//status")).contains("Property: isthmus.consul.status.prefix");
        runner.withPropertyValues("isthmus.consul.status.prefix=team-a/isthmus.status_v1").run(ctx -> assertThat(ctx).hasNotFailed());
    }

    @Test
    void theRouteBodyLimitDefaultIsBoundedAndReadAsADataSize() {
        assertThat(startupReport("isthmus.routes.max-request-body=65GB")).contains("isthmus.routes")
                .contains("max-request-body must be from 0 to 64GB");
        assertThat(startupReport("isthmus.routes.max-request-body=-1")).contains("max-request-body must be from 0 to 64GB");
        runner.withPropertyValues("isthmus.routes.max-request-body=512KB")
                .run(ctx -> assertThat(ctx.getBean(IsthmusProperties.class).getRoutes().getMaxRequestBody().toBytes()).isEqualTo(512 * 1024));
        runner.run(ctx -> assertThat(ctx.getBean(IsthmusProperties.class).getRoutes().getMaxRequestBody().toMegabytes()).isEqualTo(10));
    }

    @Test
    void badGatewayApiValuesFailStartUpWithThePropertyName() {
        assertThat(startupReport("isthmus.gateway-api.controller-name=gateway-controller")).contains("Property: isthmus.gatewayApi.controllerName")
                .contains("must be a domain-prefixed path");
        assertThat(startupReport("isthmus.gateway-api.https-port=70000")).contains("Property: isthmus.gatewayApi.httpsPort");
        assertThat(startupReport("isthmus.gateway-api.http-port=-1")).contains("Property: isthmus.gatewayApi.httpPort");
        assertThat(startupReport("isthmus.gateway-api.tls-secrets=wildcard")).contains("isthmus.gatewayApi.tlsSecrets")
                .contains("must be namespace/name");
        assertThat(startupReport("isthmus.gateway-api.service-name=My_Gateway")).contains("Property: isthmus.gatewayApi.serviceName");
    }

    @Test
    void theGatewayApiDefaultsAndTheChartsValuesAreValid() {
        runner.withPropertyValues("isthmus.gateway-api.enabled=true", "isthmus.gateway-api.http-port=0", "isthmus.gateway-api.https-port=443",
                "isthmus.gateway-api.service-name=isthmus", "isthmus.gateway-api.tls-secrets=ingress/isthmus-tls,ingress/api.example.com",
                "isthmus.gateway-api.addresses=203.0.113.7,lb.example.com")
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    /** What Spring Boot prints when start-up fails: its failure analysis of the exception. */
    private String startupReport(String property) {
        FailureAnalyzer analyzer;
        try {
            analyzer = bindValidationFailureAnalyzer();
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
        String[] report = new String[1];
        runner.withPropertyValues(property).run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis analysis = analyzer.analyze(ctx.getStartupFailure());
            assertThat(analysis).as("a binding validation failure for %s", property).isNotNull();
            report[0] = analysis.getDescription();
        });
        return report[0];
    }

    /** Spring Boot's analyzer for these failures (package-private; registered in its spring.factories). */
    private static FailureAnalyzer bindValidationFailureAnalyzer() throws Exception {
        var constructor = Class.forName("org.springframework.boot.diagnostics.analyzer.BindValidationFailureAnalyzer")
                .getDeclaredConstructor();
        constructor.setAccessible(true);
        return (FailureAnalyzer) constructor.newInstance();
    }
}
