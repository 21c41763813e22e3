package dev.isthmus.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.isthmus.compile.CompileResult;
import dev.isthmus.compile.Problem;
import dev.isthmus.compile.RouteStatus;
import dev.isthmus.config.OfflineCompiler;
import dev.isthmus.model.SourceProblem;

/**
 * {@code isthmus validate [options] FILE...}: what the gateway would make of these routes files,
 * ConfigMaps and GatewayRoutes, without starting it. Everything given is compiled together, as one
 * gateway would see it (so conflicts between files show), by the compiler the gateway builds from
 * the same properties ({@link OfflineCompiler}). Every finding names its file, line, object and
 * field. Exit status 0 when every route and object is accepted (warnings included), 1 when any is
 * rejected or unreadable, 2 on a usage or configuration error.
 */
final class ValidateCommand {

    static final String USAGE = """
            Usage: java -jar isthmus.jar validate [options] FILE...

            Compiles routes files, ConfigMap and GatewayRoute manifests (multi-document YAML or JSON,
            kind: List too; a directory for its .yaml/.yml/.json files; - for standard input) with the
            gateway's own compiler, and prints every problem with its file, line, object and field.
            Other kinds of objects are skipped. Exits 0 when everything is accepted, 1 when anything is
            rejected, 2 on a usage or configuration error.

            Options:
              --format text|json     output format (default text)
              -n, --namespace NS     namespace of manifests that name none (default: default)
              --config FILE          the gateway's configuration (application.yaml or .properties), for
                                     the isthmus.* settings that compiling depends on; repeatable
              --set NAME=VALUE       one property, as the gateway's --NAME=VALUE; repeatable
              -q, --quiet            text: print only rejections and warnings
              -h, --help             this help
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    ValidateCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    int run(List<String> args) {
        CommandLine cli = new CommandLine(args);
        String format = "text";
        String namespace = "default";
        boolean quiet = false;
        List<String> files = new ArrayList<>();
        CliEnvironment environment = new CliEnvironment();
        try {
            while (cli.hasNext()) {
                String a = cli.next();
                switch (a) {
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--format" -> format = cli.value(a);
                    case "-n", "--namespace" -> namespace = cli.value(a);
                    case "--config" -> environment.addConfigFile(cli.value(a));
                    case "--set" -> environment.set(cli.value(a));
                    case "-q", "--quiet" -> quiet = true;
                    default -> {
                        if (a.startsWith("--format=")) {
                            format = a.substring("--format=".length());
                        }
                        else if (a.startsWith("--namespace=")) {
                            namespace = a.substring("--namespace=".length());
                        }
                        else if (a.startsWith("--config=")) {
                            environment.addConfigFile(a.substring("--config=".length()));
                        }
                        else if (a.startsWith("--set=")) {
                            environment.set(a.substring("--set=".length()));
                        }
                        else if (a.startsWith("-") && !a.equals("-")) {
                            throw new UsageException("unknown option " + a);
                        }
                        else {
                            files.add(a);
                        }
                    }
                }
            }
            if (!format.equals("text") && !format.equals("json")) {
                throw new UsageException("--format must be text or json, not '" + format + "'");
            }
            if (files.isEmpty()) {
                throw new UsageException("no FILE given");
            }
        }
        catch (UsageException e) {
            err.println("isthmus validate: " + e.getMessage());
            err.println("Try 'java -jar isthmus.jar validate --help'.");
            return 2;
        }

        OfflineCompiler compiler;
        try {
            compiler = OfflineCompiler.from(environment.build());
        }
        catch (RuntimeException e) {
            err.println("isthmus validate: invalid configuration: " + e.getMessage());
            return 2;
        }
        ManifestReader reader = new ManifestReader(namespace, compiler.gatewayClass(), in);
        files.forEach(reader::read);
        CompileResult result = compiler.compiler().compile(reader.routes, reader.policies, reader.problems);
        Report report = report(reader, result, files);
        if (format.equals("json")) {
            printJson(report);
        }
        else {
            printText(report, quiet);
        }
        return report.valid() ? 0 : 1;
    }

    // --- the report ---

    record Finding(String file, int line, String object, String routeId, boolean accepted, String reason, String message,
            List<Issue> problems, List<String> warnings) {
    }

    record Issue(String reason, String field, int line, String message) {
    }

    /** @param objectsRejected objects (files, documents, ConfigMap keys) rejected as a whole, besides routes */
    record Summary(int documents, int routes, int accepted, int rejected, int objectsRejected, int skipped) {
    }

    record Report(boolean valid, Summary summary, List<Finding> results, List<ManifestReader.Skipped> skipped) {
    }

    private static Report report(ManifestReader reader, CompileResult result, List<String> files) {
        Map<String, SourceProblem> sourceProblems = new HashMap<>();
        for (SourceProblem p : reader.problems) {
            sourceProblems.putIfAbsent(key(p.object().toString(), p.routeId(), p.message()), p);
        }
        List<Finding> findings = new ArrayList<>();
        int routes = 0;
        int accepted = 0;
        int objectsRejected = 0;
        for (RouteStatus s : result.statuses()) {
            SourceProblem fromSource = s.problems().size() == 1
                    ? sourceProblems.get(key(s.object().toString(), s.routeId(), s.problems().get(0).message())) : null;
            ManifestReader.Place place = fromSource != null ? reader.problemPlaces.get(fromSource)
                    : s.routeId() != null ? reader.routePlaces.get(s.routeId()) : null;
            if (place == null) {
                place = new ManifestReader.Place(s.object().toString(), 0, s.object().toString(), "", p -> 0);
            }
            String prefix = fromSource != null ? "" : place.prefix();
            List<Issue> issues = new ArrayList<>();
            for (Problem p : s.problems()) {
                FieldPath.Split split = FieldPath.split(prefix, p.message());
                int line = split.field() == null ? place.line() : place.lineOf().apply(split.field());
                issues.add(new Issue(p.reason().value(), split.field(), line, split.message()));
            }
            List<String> warnings = s.accepted() && s.message() != null ? List.of(s.message().split("; ")) : List.of();
            if (s.routeId() != null) {
                routes++;
                accepted += s.accepted() ? 1 : 0;
            }
            else {
                objectsRejected++;
            }
            // a route that did not parse has no place of its own: it is where its problem is
            int line = fromSource != null && s.routeId() != null && !issues.isEmpty() ? issues.get(0).line() : place.line();
            findings.add(new Finding(place.file(), line, place.object(), s.routeId(), s.accepted(), s.reason().value(),
                    s.message(), issues, warnings));
        }
        Map<String, Integer> fileOrder = new LinkedHashMap<>();
        files.forEach(f -> fileOrder.putIfAbsent(f, fileOrder.size()));
        findings.sort(Comparator.comparing((Finding f) -> fileOrder.getOrDefault(f.file(), fileOrder.size())).thenComparing(Finding::file)
                .thenComparingInt(Finding::line).thenComparing(f -> Objects.toString(f.routeId(), "")));
        return new Report(accepted == routes && objectsRejected == 0,
                new Summary(reader.documents, routes, accepted, routes - accepted, objectsRejected, reader.skipped.size()), findings,
                List.copyOf(reader.skipped));
    }

    private static String key(String object, String routeId, String message) {
        return object + "\u0000" + routeId + "\u0000" + message;
    }

    private void printText(Report report, boolean quiet) {
        for (Finding f : report.results()) {
            String what = f.routeId() == null ? f.object()
                    : f.object().equals("routes file") || f.object().startsWith("file:") ? f.routeId() : f.routeId() + " (" + f.object() + ")";
            if (f.accepted() && f.warnings().isEmpty()) {
                if (!quiet) {
                    out.println(f.file() + ":" + f.line() + ": " + what + ": accepted");
                }
                continue;
            }
            if (f.accepted()) {
                out.println(f.file() + ":" + f.line() + ": " + what + ": accepted, with warnings");
                f.warnings().forEach(w -> out.println(f.file() + ":" + f.line() + ":   warning: " + w));
                continue;
            }
            out.println(f.file() + ":" + f.line() + ": " + what + ": rejected (" + f.reason() + ")");
            for (Issue i : f.problems()) {
                out.println(f.file() + ":" + i.line() + ":   " + (i.field() == null ? "" : i.field() + ": ") + i.message() + " [" + i.reason() + "]");
            }
        }
        if (!quiet) {
            for (ManifestReader.Skipped s : report.skipped()) {
                out.println(s.file() + ":" + s.line() + ": " + s.object() + ": skipped: " + s.why());
            }
        }
        Summary sum = report.summary();
        out.println();
        out.println(sum.routes() + " route(s) in " + sum.documents() + " document(s): " + sum.accepted() + " accepted, " + sum.rejected()
                + " rejected" + (sum.objectsRejected() == 0 ? "" : "; " + sum.objectsRejected() + " object(s) rejected")
                + (sum.skipped() == 0 ? "" : "; " + sum.skipped() + " skipped"));
    }

    private void printJson(Report report) {
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
