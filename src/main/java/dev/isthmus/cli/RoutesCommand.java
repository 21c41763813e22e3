package dev.isthmus.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code isthmus routes --url http://host:8081}: a running gateway's routing table
 * ({@code /actuator/routes} on its management port) as a person reads it, one line per route, then
 * every rejected route or object with its reasons. Admin credentials come from files, as the
 * gateway reads its own ({@code isthmus.admin.auth.*}), so no secret is on the command line. Exit
 * status 0 when every route is served, 1 when the table has rejections, 2 on a usage error, 3 when
 * the gateway cannot be asked (unreachable, refused credentials, not an Isthmus admin port).
 */
final class RoutesCommand {

    static final String USAGE = """
            Usage: java -jar isthmus.jar routes --url http://HOST:8081 [options]

            Prints a running gateway's routing table (its /actuator/routes): every route with its source,
            hosts, path and backends, then every rejected route or object and why. Exits 0 when every route
            is served, 1 when some are rejected, 2 on a usage error, 3 when the gateway cannot be asked.

            Options:
              --url URL                the management port (management.server.port, default 8081)
              --token-file FILE        send the bearer token in FILE (isthmus.admin.auth.bearer-token-file)
              --basic-file FILE        send the first user:password line of FILE as basic credentials
                                       (isthmus.admin.auth.basic-credentials-file)
              --format text|json       text (default) or the endpoint's JSON as it is
              --timeout DURATION       how long to wait for the gateway, e.g. 5s (default 10s)
              -h, --help               this help
            """;

    private final PrintStream out;
    private final PrintStream err;

    RoutesCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        String url = null;
        String tokenFile = null;
        String basicFile = null;
        String format = "text";
        Duration timeout = Duration.ofSeconds(10);
        CommandLine cli = new CommandLine(args);
        String authorization;
        try {
            while (cli.hasNext()) {
                String a = cli.next();
                String option = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
                String inline = a.contains("=") && a.startsWith("--") ? a.substring(a.indexOf('=') + 1) : null;
                switch (option) {
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--url" -> url = inline != null ? inline : cli.value(a);
                    case "--token-file" -> tokenFile = inline != null ? inline : cli.value(a);
                    case "--basic-file" -> basicFile = inline != null ? inline : cli.value(a);
                    case "--format" -> format = inline != null ? inline : cli.value(a);
                    case "--timeout" -> timeout = duration(inline != null ? inline : cli.value(a));
                    default -> throw new UsageException("unknown argument " + a);
                }
            }
            if (url == null) {
                throw new UsageException("--url is required, e.g. --url http://127.0.0.1:8081");
            }
            if (!format.equals("text") && !format.equals("json")) {
                throw new UsageException("--format must be text or json, not '" + format + "'");
            }
            if (tokenFile != null && basicFile != null) {
                throw new UsageException("give --token-file or --basic-file, not both");
            }
            authorization = authorization(tokenFile, basicFile);
        }
        catch (UsageException e) {
            err.println("isthmus routes: " + e.getMessage());
            err.println("Try 'java -jar isthmus.jar routes --help'.");
            return 2;
        }

        URI endpoint;
        try {
            endpoint = URI.create(url.replaceAll("/+$", "") + "/actuator/routes");
            if (endpoint.getScheme() == null || !endpoint.getScheme().matches("https?") || endpoint.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        }
        catch (IllegalArgumentException e) {
            err.println("isthmus routes: --url " + url + ": " + e.getMessage());
            return 2;
        }
        String body;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout).header("Accept", "application/json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(timeout).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                err.println("isthmus routes: " + endpoint + " answered " + response.statusCode()
                        + (authorization == null ? ": the admin port needs credentials (--token-file or --basic-file)" : ": credentials refused"));
                return 3;
            }
            if (response.statusCode() != 200) {
                err.println("isthmus routes: " + endpoint + " answered " + response.statusCode()
                        + (response.statusCode() == 404 ? " (is this the management port, with the routes endpoint exposed?)" : ""));
                return 3;
            }
            body = response.body();
        }
        catch (IOException e) {
            err.println("isthmus routes: cannot reach " + endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return 3;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
        JsonNode table;
        try {
            table = new ObjectMapper().readTree(body);
        }
        catch (IOException e) {
            err.println("isthmus routes: " + endpoint + " did not answer JSON: " + e.getMessage());
            return 3;
        }
        if (!table.path("routes").isArray()) {
            err.println("isthmus routes: " + endpoint + " is not an Isthmus routes endpoint (no 'routes' list)");
            return 3;
        }
        if (format.equals("json")) {
            out.println(body);
        }
        else {
            print(table);
        }
        return table.path("rejected").asInt(0) == 0 ? 0 : 1;
    }

    private void print(JsonNode table) {
        out.println("Routing table v" + table.path("version").asText() + ", built " + table.path("builtAt").asText() + ": "
                + table.path("served").asInt() + " served, " + table.path("rejected").asInt() + " rejected");
        out.println();
        TextTable served = new TextTable("ROUTE", "SOURCE", "HOSTS", "PATH", "METHODS", "TO", "STATUS");
        List<JsonNode> rejected = new ArrayList<>();
        for (JsonNode r : table.path("routes")) {
            JsonNode route = r.path("route");
            if (!r.path("served").asBoolean() || route.isMissingNode() || route.isNull()) {
                rejected.add(r);
                continue;
            }
            String status = r.path("status").asText();
            if (r.hasNonNull("message")) {
                status += " (warning)";
            }
            served.row(r.path("id").asText(), r.path("source").asText(), hosts(route.path("hosts")), path(route.path("path")),
                    join(route.path("methods"), ","), target(route), status);
        }
        served.print(out);
        if (!rejected.isEmpty()) {
            out.println();
            out.println("Rejected:");
            for (JsonNode r : rejected) {
                String id = r.hasNonNull("id") ? r.path("id").asText() : "(object)";
                out.println("  " + id + "  " + r.path("object").asText() + "  " + r.path("status").asText());
                JsonNode problems = r.path("problems");
                if (problems.isArray() && !problems.isEmpty()) {
                    problems.forEach(p -> out.println("      " + p.path("message").asText() + " [" + p.path("reason").asText() + "]"));
                }
                else if (r.hasNonNull("message")) {
                    out.println("      " + r.path("message").asText());
                }
            }
        }
        List<JsonNode> warned = new ArrayList<>();
        table.path("routes").forEach(r -> {
            if (r.path("served").asBoolean() && r.hasNonNull("message")) {
                warned.add(r);
            }
        });
        if (!warned.isEmpty()) {
            out.println();
            out.println("Warnings:");
            warned.forEach(r -> out.println("  " + r.path("id").asText() + ": " + r.path("message").asText()));
        }
    }

    private static String hosts(JsonNode hosts) {
        return hosts.isArray() && !hosts.isEmpty() ? join(hosts, ",") : "*";
    }

    /** {@code /quote*} (prefix), {@code =/old} (exact), {@code ~^/v[0-9]+/} (regex). */
    private static String path(JsonNode path) {
        if (path.hasNonNull("prefix")) {
            return path.path("prefix").asText() + "*";
        }
        if (path.hasNonNull("path")) {
            return "=" + path.path("path").asText();
        }
        if (path.hasNonNull("regex")) {
            JsonNode regex = path.path("regex");
            return "~" + (regex.isTextual() ? regex.asText() : regex.path("pattern").asText(regex.toString()));
        }
        return path.toString();
    }

    /** Backends by weight, or the redirect. */
    private static String target(JsonNode route) {
        JsonNode redirect = route.path("redirect");
        if (!redirect.isMissingNode() && !redirect.isNull()) {
            StringBuilder s = new StringBuilder("redirect ").append(redirect.path("code").asInt());
            if (redirect.hasNonNull("scheme")) {
                s.append(" ").append(redirect.path("scheme").asText()).append("://");
            }
            if (redirect.hasNonNull("host")) {
                s.append(redirect.hasNonNull("scheme") ? "" : " ").append(redirect.path("host").asText());
            }
            if (redirect.hasNonNull("path")) {
                s.append(redirect.hasNonNull("host") ? "" : " ").append(redirect.path("path").asText());
            }
            else if (redirect.hasNonNull("replacePrefix")) {
                s.append(" prefix->").append(redirect.path("replacePrefix").asText());
            }
            return s.toString();
        }
        JsonNode backends = route.path("backends");
        List<String> parts = new ArrayList<>();
        int total = 0;
        for (JsonNode b : backends) {
            total += b.path("weight").asInt(1);
        }
        for (JsonNode b : backends) {
            String name = backend(b.path("target"));
            parts.add(backends.size() > 1 && total > 0 ? name + " " + Math.round(100.0 * b.path("weight").asInt(1) / total) + "%" : name);
        }
        return String.join(", ", parts);
    }

    private static String backend(JsonNode t) {
        if (t.path("kind").asText().equals("url")) {
            return t.path("uri").asText();
        }
        String name = t.path("name").asText();
        String port = t.hasNonNull("port") ? ":" + t.path("port").asText() : "";
        return switch (t.path("registry").asText()) {
            case "KUBERNETES" -> "k8s:" + t.path("namespace").asText() + "/" + name + port;
            case "CONSUL" -> "consul:" + (t.hasNonNull("datacenter") ? t.path("datacenter").asText() + "/" : "") + name + port;
            default -> name + (t.hasNonNull("namespace") ? "." + t.path("namespace").asText() : "") + port;
        };
    }

    private static String join(JsonNode list, String separator) {
        List<String> items = new ArrayList<>();
        list.forEach(n -> items.add(n.asText()));
        return items.isEmpty() ? "*" : String.join(separator, items);
    }

    private static String authorization(String tokenFile, String basicFile) {
        if (tokenFile != null) {
            String token = readSecret(tokenFile, "--token-file").strip();
            if (token.isEmpty()) {
                throw new UsageException("--token-file " + tokenFile + " is empty");
            }
            return "Bearer " + token;
        }
        if (basicFile != null) {
            String pair = readSecret(basicFile, "--basic-file").lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .findFirst().orElse("");
            if (pair.indexOf(':') <= 0) {
                throw new UsageException("--basic-file " + basicFile + " has no user:password line");
            }
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }

    private static String readSecret(String file, String option) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UsageException(option + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    private static Duration duration(String text) {
        try {
            return dev.isthmus.compile.DurationParser.parse(text);
        }
        catch (IllegalArgumentException e) {
            throw new UsageException("--timeout: " + e.getMessage());
        }
    }
}
