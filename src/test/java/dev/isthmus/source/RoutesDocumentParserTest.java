package dev.isthmus.source;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.isthmus.model.ObjectRef;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutesDocumentParserTest {

    static RoutesDocumentParser.Result parse(String yaml) throws Exception {
        return RoutesDocumentParser.parse(yaml, ObjectRef.file("r.yaml"), 7, n -> "file/" + n, n -> Instant.EPOCH);
    }

    @Test
    void eachBadEntryIsReportedAloneWithItsPosition() throws Exception {
        var result = parse("""
                routes:
                  - name: good
                    match: {path: {prefix: /g}}
                    backends: [{url: "http://h"}]
                  - name: typo
                    mtach: {path: {prefix: /t}}
                  - match: {path: {prefix: /nameless}}
                  - name: good
                    match: {path: {prefix: /dup}}
                  - name: "bad name!"
                    match: {path: {prefix: /x}}
                  - name: badenum
                    match: {path: {prefix: /e}}
                    loadBalancer: {policy: fastest}
                  - just a string
                """);
        assertThat(result.routes()).extracting(r -> r.id()).containsExactly("file/good");
        assertThat(result.routes().get(0).provenance().generation()).isEqualTo(7);
        assertThat(result.problems()).extracting(p -> p.message()).containsExactly(
                "routes[1] (typo): mtach: Unrecognized field \"mtach\" (class GatewayRouteSpec), not marked as ignorable",
                "routes[2]: 'name' is required",
                "routes[3]: route name 'good' is used more than once in this document",
                "routes[4]: name 'bad name!' must be 1-253 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
                "routes[5] (badenum): loadBalancer.policy: 'fastest' is not one of round-robin, least-request, random, consistent-hash",
                "routes[6]: expected a mapping");
        assertThat(result.problems().get(0).routeId()).isEqualTo("file/typo");
    }

    @Test
    void aDocumentThatIsNotYamlIsRefusedAsAWhole() {
        assertThatThrownBy(() -> parse("routes: [ {name: x, match: ")).isInstanceOf(RoutesDocumentParser.InvalidDocumentException.class)
                .hasMessageContaining("invalid YAML").hasMessageContaining("line");
        assertThatThrownBy(() -> parse("rotues: []")).isInstanceOf(RoutesDocumentParser.InvalidDocumentException.class)
                .hasMessageContaining("rotues");
        assertThatThrownBy(() -> parse("routes: {a: 1}")).isInstanceOf(RoutesDocumentParser.InvalidDocumentException.class)
                .hasMessageContaining("must be a list");
    }

    @Test
    void emptyDocumentsHaveNoRoutes() throws Exception {
        assertThat(parse("").routes()).isEmpty();
        assertThat(parse("routes:").routes()).isEmpty();
        assertThat(parse("routes: []").problems()).isEmpty();
    }

    @Test
    void refusesAliasBombs() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 0; i < 60; i++) {
            yaml.append("b").append(i).append(": &b").append(i).append(" [*a, *a, *a, *a, *a]\n");
        }
        assertThatThrownBy(() -> parse(yaml.toString())).isInstanceOf(RoutesDocumentParser.InvalidDocumentException.class);
    }
}
