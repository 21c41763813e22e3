package dev.isthmus.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart installs the CRD that the build generates from the Java model (fabric8
 * crd-generator, copied into charts/isthmus/crds/ at process-classes). These tests fail when the
 * chart's copy, or the committed copy, differs from what the model generates: regenerate with
 * {@code ./mvnw process-classes} and commit charts/isthmus/crds/ with the model change.
 */
class ChartCrdSyncTest {

    static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    static final Path CHART_CRDS = Path.of("charts/isthmus/crds");

    static List<String> generatedCrds() throws IOException {
        try (Stream<Path> files = Files.list(GENERATED)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-v1.yml")).sorted().toList();
        }
    }

    @Test
    void chartCarriesExactlyTheGeneratedCrds() throws IOException {
        List<String> generated = generatedCrds();
        assertThat(generated).contains("gatewayroutes.isthmus.dev-v1.yml");
        try (Stream<Path> files = Files.list(CHART_CRDS)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("charts/isthmus/crds/ holds the generated CRDs and nothing else").isEqualTo(generated);
        }
        for (String name : generated) {
            assertThat(Files.readString(CHART_CRDS.resolve(name))).as("charts/isthmus/crds/%s", name)
                    .isEqualTo(Files.readString(GENERATED.resolve(name)));
        }
    }

    @Test
    void committedChartCrdsAreTheGeneratedOnes() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of(".git")), "not a git checkout: there is no committed copy to compare");
        for (String name : generatedCrds()) {
            String committed = git("show", "HEAD:" + CHART_CRDS.resolve(name));
            assertThat(committed).as("committed charts/isthmus/crds/%s is stale: the GatewayRoute model changed; commit the regenerated file", name)
                    .isEqualTo(Files.readString(GENERATED.resolve(name)));
        }
    }

    private static String git(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
