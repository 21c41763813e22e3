package dev.isthmus.source.gatewayapi.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.isthmus.source.gatewayapi.GatewayApiFixtures;

/**
 * The Gateway API's conformance suite as {@code scripts/provision-test-infra.sh gatewayapi} lays
 * it out from the {@code sigs.k8s.io/gateway-api} module: the standard-channel CRDs, the base
 * manifests, and each test's Go file (its ShortName, manifests and expected request/response
 * pairs, read by {@link GoLiterals}) and manifests.
 */
final class ConformanceSuite {

    /** One upstream conformance test. */
    record Case(String shortName, Path goFile, List<String> manifests, List<Map<String, Object>> expectations) {
    }

    private ConformanceSuite() {
    }

    static Path home() {
        return GatewayApiFixtures.home();
    }

    static Path baseManifests() {
        return home().resolve("conformance/base/manifests.yaml");
    }

    static Path manifest(String relative) {
        return home().resolve("conformance").resolve(relative);
    }

    /** Every HTTPRoute conformance test by ShortName (a Go file may declare several). */
    static Map<String, Case> httpRouteCases() throws IOException {
        Map<String, Case> cases = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(home().resolve("conformance/tests"))) {
            files = s.filter(p -> p.getFileName().toString().matches("httproute-.*\\.go")).sorted().toList();
        }
        for (Path file : files) {
            String source = Files.readString(file);
            String[] blocks = source.split("suite\\.ConformanceTest\\{");
            String preamble = blocks[0];
            for (int i = 1; i < blocks.length; i++) {
                String block = preamble + "\nvar _ = suite.ConformanceTest{" + blocks[i];
                List<String> names = GoLiterals.shortNames(block);
                if (names.isEmpty()) {
                    continue;
                }
                cases.put(names.get(0), new Case(names.get(0), file, GoLiterals.manifests(block), GoLiterals.expectedResponses(block)));
            }
        }
        return cases;
    }

    static List<String> describe(Map<String, Case> cases) {
        List<String> out = new ArrayList<>();
        cases.values().forEach(c -> out.add(c.shortName() + " " + c.manifests() + " " + c.expectations().size() + " expectation(s)"));
        return out;
    }
}
