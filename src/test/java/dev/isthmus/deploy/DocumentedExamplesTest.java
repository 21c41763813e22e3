package dev.isthmus.deploy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.deploy.DocumentedExamples.Example;
import dev.isthmus.deploy.DocumentedExamples.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documented examples are found (KubectlHelmRoundTripIT applies each one with the real
 * kubectl and Helm), and none of them reads differently to a YAML 1.1 reader (kubectl, Helm,
 * Spring Boot's SnakeYAML) than to a YAML 1.2 one: a bare {@code on}, {@code yes} or {@code n}
 * in an example would be copied into manifests that kubectl refuses or Helm silently changes.
 */
class DocumentedExamplesTest {

    @Test
    void everyDocumentedExampleIsFoundAndClassified() {
        List<Example> all = DocumentedExamples.all();
        assertThat(all).extracting(Example::source).contains("docs/routes.md:7", "charts/isthmus/examples/public-cloud.yaml",
                "config/examples/routes.yaml", "config/examples/vm-consul.yaml");
        assertThat(DocumentedExamples.of(Kind.OBJECTS)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(DocumentedExamples.of(Kind.ROUTES)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(DocumentedExamples.of(Kind.STATUS)).hasSize(1);
        assertThat(DocumentedExamples.of(Kind.HELM_VALUES)).hasSize(5);
        assertThat(DocumentedExamples.of(Kind.SPRING_CONFIG)).hasSize(2);
        for (Example e : all) {
            assertThat(e.documents()).as(e.source()).isNotEmpty();
        }
    }

    @Test
    void noExampleReadsDifferentlyUnderYaml11() {
        for (Example e : DocumentedExamples.all()) {
            assertThat(DocumentedExamples.yaml11Ambiguities(e.text())).as("%s: plain scalars YAML 1.1 reads as booleans, nulls,"
                    + " numbers or dates (quote them)", e.source()).isEmpty();
        }
    }

    @Test
    void theCheckFindsABareOn() {
        assertThat(DocumentedExamples.yaml11Ambiguities("retries:\n  attempts: 2\n  on: [5xx]\nwebsocket: yes\n"))
                .containsExactly("line 3: on", "line 4: yes");
        assertThat(DocumentedExamples.yaml11Ambiguities("retries: {attempts: 2, \"on\": [5xx]}\nwebsocket: true\n")).isEmpty();
    }
}
