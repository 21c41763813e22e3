package dev.isthmus.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * h2spec, the HTTP/2 conformance suite (built by {@code scripts/provision-test-infra.sh h2spec}),
 * run as an outside client against a port on loopback. Cases are named as h2spec names them on
 * its command line: {@code http2/5.1/6} is the sixth case of section 5.1.
 */
public final class H2spec {

    /** A run: how many cases ran, the failed ones ("id description"), and h2spec's own report. */
    public record Result(int tests, List<String> failed, String output) {
    }

    private H2spec() {
    }

    /** The binary, or a failure (skip, unless real infrastructure is required) saying how to get it. */
    public static Path require() {
        Path binary = RealInfra.binary("bin/h2spec");
        if (binary == null) {
            RealInfra.unavailable("h2spec", "no " + RealInfra.home().resolve("bin/h2spec"));
        }
        return binary;
    }

    /** Runs every case against 127.0.0.1:{@code port}; over TLS with {@code -t -k} (any certificate). */
    public static Result run(Path binary, int port, boolean tls, Path workDir) throws Exception {
        Files.createDirectories(workDir);
        Path report = workDir.resolve(tls ? "h2spec-tls.xml" : "h2spec-h2c.xml");
        Path output = workDir.resolve(tls ? "h2spec-tls.txt" : "h2spec-h2c.txt");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                // per-case timeout: a loaded 2-core machine can be slow to answer; passing cases never wait for it
                "-o", "10", "-j", report.toString()));
        if (tls) {
            cmd.addAll(List.of("-t", "-k"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("h2spec did not finish within 10 minutes");
        }
        String text = Files.readString(output);
        if (!Files.isRegularFile(report)) {
            throw new IllegalStateException("h2spec wrote no report (exit " + p.exitValue() + "):\n" + text);
        }
        return parse(report, text);
    }

    static Result parse(Path report, String output) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
        NodeList suites = doc.getElementsByTagName("testsuite");
        int tests = 0;
        List<String> failed = new ArrayList<>();
        for (int s = 0; s < suites.getLength(); s++) {
            Element suite = (Element) suites.item(s);
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int c = 0; c < cases.getLength(); c++) {
                Element testcase = (Element) cases.item(c);
                tests++;
                if (testcase.getElementsByTagName("failure").getLength() > 0 || testcase.getElementsByTagName("error").getLength() > 0
                        || testcase.getElementsByTagName("skipped").getLength() > 0) {
                    failed.add(suite.getAttribute("package") + "/" + (c + 1) + " " + testcase.getAttribute("classname"));
                }
            }
        }
        return new Result(tests, failed, output);
    }
}
