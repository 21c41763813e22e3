package dev.isthmus.source.gatewayapi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.CompileSettings;
import dev.isthmus.compile.RouteCompiler;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.compile.policy.BuiltInPolicies;
import dev.isthmus.status.CompileVerdicts;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden files for the Gateway API translation, as Envoy Gateway tests its translator: each
 * {@code src/test/resources/gatewayapi/NAME.in.yaml} holds the translator's settings and the
 * Kubernetes objects (GatewayClasses, Gateways, HTTPRoutes, ReferenceGrants, Services,
 * Namespaces), and {@code NAME.out.yaml} the Isthmus routes, the status of every object (the
 * compile step's verdict on each route folded into its HTTPRoute's), and each rejection. Adding a
 * case means adding a file. Regenerate after an intended change with {@code -Dgolden.update=true}
 * and review the diff.
 */
class GatewayApiTranslatorGoldenTest {

    static final Path DIR = Path.of("src/test/resources/gatewayapi");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)).registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".in.yaml"))
                    .map(n -> n.substring(0, n.length() - ".in.yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translatesAsRecorded(String name) throws IOException {
        GatewayApiGolden.Case c = GatewayApiGolden.read(DIR.resolve(name + ".in.yaml"));

        GatewayApiTranslation t = new GatewayApiTranslator(c.settings()).translate(c.objects());
        // the compiler judges references by the same ReferenceGrants (read by ReferenceGrantSource in the gateway)
        List<dev.isthmus.model.ReferenceGrant> grants = c.objects().grants().stream()
                .map(dev.isthmus.source.kubernetes.ReferenceGrantSource::read).filter(java.util.Objects::nonNull).toList();
        CompileResult compiled = new RouteCompiler(CompileSettings.DEFAULTS, BuiltInPolicies.compilers()).compile(t.specs(), List.of(), List.of(), grants);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("routes", t.specs());
        out.put("rejectedByCompiler", compiled.statuses().stream().filter(s -> !s.accepted())
                .map(s -> s.routeId() + ": " + s.reason() + ": " + s.message()).toList());
        out.put("gatewayClasses", t.classes());
        out.put("gateways", t.gateways());
        Map<String, RouteStatus> verdicts = new HashMap<>();
        compiled.statuses().forEach(s -> verdicts.put(s.routeId(), s));
        Map<String, Object> routes = new TreeMap<>();
        t.routes().forEach((key, status) -> routes.put(key, CompileVerdicts.fold(status, t.routeIds().getOrDefault(key, List.of()), verdicts)));
        out.put("httpRoutes", routes);
        String actual = YAML.writeValueAsString(out);
        Path expectedFile = DIR.resolve(name + ".out.yaml");
        if (Boolean.getBoolean("golden.update") || !Files.exists(expectedFile)) {
            Files.writeString(expectedFile, actual);
        }
        assertThat(actual).as("translation of %s (regenerate with -Dgolden.update=true)", name).isEqualTo(Files.readString(expectedFile));
    }
}
