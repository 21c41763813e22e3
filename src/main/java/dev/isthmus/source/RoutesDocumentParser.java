package dev.isthmus.source;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.LoaderOptions;

import dev.isthmus.model.ObjectRef;
import dev.isthmus.model.PolicyDefinition;
import dev.isthmus.model.SourceKind;
import dev.isthmus.model.Provenance;
import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.SourceProblem;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.NamedPolicy;
import dev.isthmus.model.ConditionReason;

/**
 * Reads a routes document ({@code routes: [{name: ..., <GatewayRoute spec>}, ...]}, docs/design.md §3.2,
 * and named access policies: {@code policies: [{name: ..., auth: ..., ipAllow: ..., ipDeny: ...}]}),
 * the format of the routes file and of ConfigMap keys. Each entry is parsed on its own, so one bad
 * entry is reported alone and the others still load. Uses the same Jackson 2 rules as fabric8 uses
 * for GatewayRoute objects, so a spec means the same thing whichever source it comes from.
 */
public final class RoutesDocumentParser {

    /** Route names: what Kubernetes allows in an object name, so ids stay readable everywhere. */
    static final Pattern NAME = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$");

    private static final ObjectMapper YAML = yamlMapper();

    /** What a document yielded: routes and named policies that parsed, and a problem for each part that did not. */
    public record Result(List<RouteSpec> routes, List<PolicyDefinition> policies, List<SourceProblem> problems) {
        public Result(List<RouteSpec> routes, List<SourceProblem> problems) {
            this(routes, List.of(), problems);
        }
    }

    /** Thrown when the document as a whole is unusable: the source keeps its last good routes. */
    public static final class InvalidDocumentException extends Exception {
        public InvalidDocumentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private RoutesDocumentParser() {
    }

    /**
     * @param idOf the route id for a route name, e.g. {@code name -> "file/" + name}
     * @param createdOf when a route of that name was first seen (conflicts go to the oldest)
     */
    public static Result parse(String document, ObjectRef object, long generation, Function<String, String> idOf,
            Function<String, Instant> createdOf) throws InvalidDocumentException {
        JsonNode root;
        try {
            root = YAML.readTree(document);
        }
        catch (JsonProcessingException e) {
            throw new InvalidDocumentException("invalid YAML: " + describe(e), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Result(List.of(), List.of());
        }
        if (!root.isObject()) {
            throw new InvalidDocumentException("expected a mapping with a 'routes' list at the top level", null);
        }
        Set<String> unknown = new HashSet<>();
        root.fieldNames().forEachRemaining(unknown::add);
        unknown.remove("routes");
        unknown.remove("policies");
        if (!unknown.isEmpty()) {
            throw new InvalidDocumentException("unknown top-level field(s) " + unknown + "; expected only 'routes' and 'policies'", null);
        }
        List<SourceProblem> problems = new ArrayList<>();
        List<PolicyDefinition> policies = policies(root.get("policies"), object, problems);
        JsonNode list = root.get("routes");
        if (list == null || list.isNull() || (list.isTextual() && list.asText().isEmpty())) {
            return new Result(List.of(), policies, problems); // "routes:" with nothing under it
        }
        if (!list.isArray()) {
            throw new InvalidDocumentException("'routes' must be a list", null);
        }
        List<RouteSpec> routes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String where = "routes[" + i + "]";
            if (!entry.isObject()) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_SPEC, where + ": expected a mapping"));
                continue;
            }
            ObjectNode fields = ((ObjectNode) entry).deepCopy();
            JsonNode nameNode = fields.remove("name");
            String name = nameNode == null || !nameNode.isTextual() ? null : nameNode.asText();
            if (name == null || name.isEmpty()) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_SPEC, where + ": 'name' is required"));
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_SPEC, where + ": name '" + truncate(name)
                        + "' must be 1-253 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"));
                continue;
            }
            String id = idOf.apply(name);
            if (!seen.add(name)) {
                problems.add(new SourceProblem(object, id, ConditionReason.DUPLICATE, where + ": route name '" + name + "' is used more than once in this document"));
                continue;
            }
            try {
                GatewayRouteSpec spec = YAML.treeToValue(fields, GatewayRouteSpec.class);
                if (spec == null || spec.match() == null) {
                    problems.add(new SourceProblem(object, id, ConditionReason.INVALID_SPEC, where + " (" + name + "): 'match' is required"));
                    continue;
                }
                routes.add(new RouteSpec(id, name, new Provenance(object, generation, createdOf.apply(name)), spec));
            }
            catch (JsonProcessingException | IllegalArgumentException e) {
                problems.add(new SourceProblem(object, id, ConditionReason.INVALID_SPEC, where + " (" + name + "): " + describe(e)));
            }
        }
        return new Result(routes, policies, problems);
    }

    /**
     * The document's {@code policies:} list, entries {@code {name: ..., auth: ..., ipAllow: ..., ipDeny: ...}},
     * each read on its own. Those of the operator's routes file are gateway-wide (every route, Consul tag
     * routes included, may reference them); a ConfigMap's serve that ConfigMap's routes only.
     */
    private static List<PolicyDefinition> policies(JsonNode list, ObjectRef object, List<SourceProblem> problems)
            throws InvalidDocumentException {
        if (list == null || list.isNull() || (list.isTextual() && list.asText().isEmpty())) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidDocumentException("'policies' must be a list", null);
        }
        boolean gatewayWide = object.kind() == SourceKind.FILE;
        List<PolicyDefinition> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String where = "policies[" + i + "]";
            if (!entry.isObject()) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_NAMED_POLICY, where + ": expected a mapping"));
                continue;
            }
            ObjectNode fields = ((ObjectNode) entry).deepCopy();
            JsonNode nameNode = fields.remove("name");
            String name = nameNode == null || !nameNode.isTextual() ? null : nameNode.asText();
            if (name == null || name.isEmpty()) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_NAMED_POLICY, where + ": 'name' is required"));
                continue;
            }
            if (!seen.add(name)) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_NAMED_POLICY, where + ": policy name '" + truncate(name)
                        + "' is used more than once in this document"));
                continue;
            }
            try {
                out.add(new PolicyDefinition(name, object, gatewayWide, YAML.treeToValue(fields, NamedPolicy.class)));
            }
            catch (JsonProcessingException | IllegalArgumentException e) {
                problems.add(new SourceProblem(object, null, ConditionReason.INVALID_NAMED_POLICY, where + " (" + truncate(name) + "): " + describe(e)));
            }
        }
        return out;
    }

    /** Reads one GatewayRoute spec from a tree (used for the CRD source's schema-less fields too). */
    public static ObjectMapper mapper() {
        return YAML;
    }

    /**
     * Reads one spec (a GatewayRoute's {@code spec}, as a tree or as maps and lists) by the same
     * rules as a document entry.
     *
     * @throws IllegalArgumentException saying which field is wrong and why
     */
    public static GatewayRouteSpec readSpec(Object tree) {
        try {
            return YAML.treeToValue(YAML.valueToTree(tree), GatewayRouteSpec.class);
        }
        catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(e.getCause() instanceof JsonProcessingException j ? j : e), e);
        }
    }

    /** Jackson messages with the field path in front and without the source excerpt. */
    static String describe(Throwable e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException ife && ife.getTargetType() != null
                && ife.getTargetType().isEnum()) {
            return path(ife) + ": '" + truncate(String.valueOf(ife.getValue())) + "' is not one of " + enumValues(ife.getTargetType());
        }
        if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
            return path(jme) + ": " + firstLine(jme.getOriginalMessage());
        }
        if (e instanceof JsonProcessingException jpe) {
            String location = jpe.getLocation() == null ? "" : " (line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr() + ")";
            return firstLine(jpe.getOriginalMessage()) + location;
        }
        return firstLine(String.valueOf(e.getMessage()));
    }

    private static String path(JsonMappingException jme) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : jme.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            }
            else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The enum's values as written in YAML, in declaration order. */
    private static String enumValues(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object constant : type.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            try {
                var json = type.getField(name).getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                names.add(json != null ? json.value() : name);
            }
            catch (NoSuchFieldException e) {
                names.add(name);
            }
        }
        return String.join(", ", names);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return truncate(line.replace("dev.isthmus.spec.", ""));
    }

    private static String truncate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static ObjectMapper yamlMapper() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024); // a 10,000-route file is a few MB
        options.setMaxAliasesForCollections(50);     // no billion-laughs documents
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(options).build();
        return new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }
}
