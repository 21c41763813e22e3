package dev.isthmus.source.gatewayapi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddressBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;

import dev.isthmus.model.RouteSpec;
import dev.isthmus.model.ReferenceGrants;
import dev.isthmus.source.kubernetes.ReferenceGrantSource;

import static dev.isthmus.source.gatewayapi.GatewayConditions.ACCEPTED;
import static dev.isthmus.source.gatewayapi.GatewayConditions.CONFLICTED;
import static dev.isthmus.source.gatewayapi.GatewayConditions.PROGRAMMED;
import static dev.isthmus.source.gatewayapi.GatewayConditions.RESOLVED_REFS;
import static dev.isthmus.source.gatewayapi.GatewayConditions.condition;

/**
 * The Gateway API source's translation, in the manner of Envoy Gateway's translator: every
 * GatewayClass, Gateway, HTTPRoute and ReferenceGrant (and the Services and Namespaces they name)
 * in, Isthmus routes and the status of every object out, in one pure pass. Each decision is made
 * once, where its status is written: a listener that cannot be served says why on the Gateway, a
 * route that may not attach says why on its parent, a backend that may not be used says why in
 * {@code ResolvedRefs}. A bad object is rejected alone; everything else is translated.
 * <p>
 * Attachment: a parentRef selects a Gateway of a served class, optionally one listener by
 * {@code sectionName} and/or {@code port}; the route attaches to each selected listener whose
 * {@code allowedRoutes} admits its namespace and kind and whose hostname intersects its
 * hostnames, and serves the intersections there. All Gateways of the served classes share the
 * one data plane of this deployment.
 */
public final class GatewayApiTranslator {

    public static final String GROUP = "gateway.networking.k8s.io";
    public static final String GATEWAY = "Gateway";
    public static final String HTTP_ROUTE = "HTTPRoute";

    private final GatewayApiSettings settings;

    public GatewayApiTranslator(GatewayApiSettings settings) {
        this.settings = settings;
    }

    public GatewayApiSettings settings() {
        return settings;
    }

    /** One listener of a served Gateway, as validated: whether routes may use it, and how many do. */
    static final class ListenerState {
        final Gateway gateway;
        final Listener listener;
        GatewayReason acceptedReason;
        String acceptedMessage;
        GatewayReason refsReason;
        final List<String> refsMessages = new ArrayList<>();
        final List<RouteGroupKind> supportedKinds = new ArrayList<>();
        boolean admitsHttpRoutes;
        int attached;

        ListenerState(Gateway gateway, Listener listener) {
            this.gateway = gateway;
            this.listener = listener;
        }

        boolean accepted() {
            return acceptedReason == null;
        }

        boolean resolved() {
            return refsReason == null;
        }

        /** Whether traffic for it is served: routes attached to a listener that is not programmed serve nothing. */
        boolean programmed() {
            return accepted() && resolved();
        }

        String hostname() {
            String h = listener.getHostname();
            return h == null || h.isEmpty() ? null : h;
        }

        void refsProblem(GatewayReason reason, String message) {
            if (refsReason == null) {
                refsReason = reason;
            }
            refsMessages.add(message);
        }
    }

    public GatewayApiTranslation translate(GatewayApiObjects in) {
        Map<String, GatewayClassStatus> classStatuses = new LinkedHashMap<>();
        Set<String> served = new TreeSet<>();
        for (GatewayClass c : sorted(in.classes())) {
            if (c.getSpec() != null && settings.controllerName().equals(c.getSpec().getControllerName())) {
                served.add(c.getMetadata().getName());
                classStatuses.put(c.getMetadata().getName(), new GatewayClassStatusBuilder().withConditions(condition(ACCEPTED, true,
                        GatewayReason.ACCEPTED, "served by " + settings.controllerName(), c.getMetadata().getGeneration())).build());
            }
        }
        // the one ReferenceGrant rule every source's references are judged by (model.ReferenceGrants, GEP-709)
        ReferenceGrants grants = new ReferenceGrants(in.grants().stream().map(ReferenceGrantSource::read).filter(Objects::nonNull).toList());
        Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
        for (Namespace n : in.namespaces()) {
            namespaceLabels.put(n.getMetadata().getName(), n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels());
        }
        Map<String, Service> services = new HashMap<>();
        for (Service s : in.services()) {
            services.put(key(s), s);
        }

        Map<String, List<ListenerState>> gateways = new LinkedHashMap<>();
        for (Gateway g : sorted(in.gateways())) {
            if (g.getSpec() != null && served.contains(g.getSpec().getGatewayClassName())) {
                gateways.put(key(g), listeners(g, grants));
            }
        }

        BackendResolver backends = new BackendResolver(services, grants);
        HttpRouteRules rules = new HttpRouteRules(backends);
        List<RouteSpec> specs = new ArrayList<>();
        Map<String, HTTPRouteStatus> routeStatuses = new LinkedHashMap<>();
        Map<String, List<String>> routeIds = new LinkedHashMap<>();
        for (HTTPRoute route : sorted(in.routes())) {
            if (route.getSpec() == null) {
                continue;
            }
            List<RouteParentStatus> parents = new ArrayList<>();
            List<ListenerState> attachedTo = new ArrayList<>();
            Set<String> hosts = new LinkedHashSet<>();
            boolean anyHost = false;
            for (ParentReference ref : nonNull(route.getSpec().getParentRefs())) {
                Attachment a = attach(route, ref, gateways, namespaceLabels);
                if (a == null) {
                    continue; // not a parent this controller serves: its status is another controller's
                }
                parents.add(new RouteParentStatusBuilder().withParentRef(a.statusRef).withControllerName(settings.controllerName())
                        .withConditions(a.accepted).build());
                for (ListenerState l : a.listeners) {
                    attachedTo.add(l);
                    List<String> effective = effectiveHostnames(l.hostname(), route.getSpec().getHostnames());
                    if (effective == null) {
                        anyHost = true;
                    }
                    else {
                        hosts.addAll(effective);
                    }
                }
            }
            if (parents.isEmpty()) {
                continue;
            }
            HttpRouteRules.Result result = rules.translate(route, attachedTo.isEmpty() ? null : (anyHost ? List.of() : List.copyOf(hosts)),
                    redirectPort(attachedTo), created(route));
            specs.addAll(result.specs());
            routeIds.put(key(route), result.specs().stream().map(RouteSpec::id).toList());
            Condition resolved = result.refsReason() == null
                    ? condition(RESOLVED_REFS, true, GatewayReason.RESOLVED_REFS, "", generation(route))
                    : condition(RESOLVED_REFS, false, result.refsReason(), String.join("; ", result.refsMessages()), generation(route));
            List<RouteParentStatus> withRefs = new ArrayList<>();
            for (RouteParentStatus p : parents) {
                List<Condition> conditions = new ArrayList<>(p.getConditions());
                Condition accepted = conditions.get(0);
                if ("True".equals(accepted.getStatus()) && result.specs().isEmpty() && !result.ruleProblems().isEmpty()) {
                    conditions.set(0, condition(ACCEPTED, false, GatewayReason.UNSUPPORTED_VALUE,
                            String.join("; ", result.ruleProblems()), generation(route)));
                }
                else if ("True".equals(accepted.getStatus()) && !result.ruleProblems().isEmpty()) {
                    conditions.add(condition(GatewayConditions.PARTIALLY_INVALID, true, GatewayReason.UNSUPPORTED_VALUE,
                            "rules not served: " + String.join("; ", result.ruleProblems()), generation(route)));
                }
                conditions.add(1, resolved);
                withRefs.add(new RouteParentStatusBuilder(p).withConditions(conditions).build());
            }
            routeStatuses.put(key(route), new HTTPRouteStatusBuilder().withParents(withRefs).build());
        }

        Map<String, GatewayStatus> gatewayStatuses = new LinkedHashMap<>();
        for (Gateway g : sorted(in.gateways())) {
            List<ListenerState> ls = gateways.get(key(g));
            if (ls != null) {
                gatewayStatuses.put(key(g), gatewayStatus(g, ls, in.addresses()));
            }
        }
        return new GatewayApiTranslation(specs, classStatuses, gatewayStatuses, routeStatuses, routeIds);
    }

    // --- listeners ---

    private List<ListenerState> listeners(Gateway g, ReferenceGrants grants) {
        List<ListenerState> states = new ArrayList<>();
        for (Listener l : nonNull(g.getSpec().getListeners())) {
            ListenerState s = new ListenerState(g, l);
            states.add(s);
            String protocol = Objects.toString(l.getProtocol(), "");
            int port = l.getPort() == null ? 0 : l.getPort();
            switch (protocol) {
                case "HTTP" -> {
                    if (settings.httpPort() == null) {
                        s.acceptedReason = GatewayReason.PORT_UNAVAILABLE;
                        s.acceptedMessage = "this Isthmus deployment serves no plain HTTP (its gateway port terminates TLS)";
                    }
                    else if (port != settings.httpPort()) {
                        s.acceptedReason = GatewayReason.PORT_UNAVAILABLE;
                        s.acceptedMessage = "port " + port + ": this Isthmus deployment serves HTTP on port " + settings.httpPort()
                                + " only (its Service's http port)";
                    }
                }
                case "HTTPS" -> {
                    if (settings.httpsPort() == null) {
                        s.acceptedReason = GatewayReason.PORT_UNAVAILABLE;
                        s.acceptedMessage = "this Isthmus deployment serves no HTTPS (tls.enabled is off)";
                    }
                    else if (port != settings.httpsPort()) {
                        s.acceptedReason = GatewayReason.PORT_UNAVAILABLE;
                        s.acceptedMessage = "port " + port + ": this Isthmus deployment serves HTTPS on port " + settings.httpsPort()
                                + " only (its Service's https port)";
                    }
                    certificates(s, grants);
                }
                default -> {
                    s.acceptedReason = GatewayReason.UNSUPPORTED_PROTOCOL;
                    s.acceptedMessage = "protocol " + protocol + " is not supported: Isthmus serves HTTP and HTTPS listeners";
                }
            }
            kinds(s);
        }
        return states;
    }

    private void certificates(ListenerState s, ReferenceGrants grants) {
        String gatewayNamespace = s.gateway.getMetadata().getNamespace();
        if (s.listener.getTls() != null && "Passthrough".equals(s.listener.getTls().getMode())) {
            s.acceptedReason = GatewayReason.UNSUPPORTED_PROTOCOL;
            s.acceptedMessage = "TLS mode Passthrough is not supported: Isthmus terminates TLS";
            return;
        }
        List<SecretObjectReference> refs = s.listener.getTls() == null ? List.of() : nonNull(s.listener.getTls().getCertificateRefs());
        if (refs.isEmpty()) {
            s.refsProblem(GatewayReason.INVALID_CERTIFICATE_REF, "an HTTPS listener needs tls.certificateRefs");
            return;
        }
        for (SecretObjectReference ref : refs) {
            String group = Objects.toString(ref.getGroup(), "");
            String kind = Objects.toString(ref.getKind(), "Secret");
            String namespace = ref.getNamespace() == null || ref.getNamespace().isEmpty() ? gatewayNamespace : ref.getNamespace();
            String name = namespace + "/" + ref.getName();
            if (!group.isEmpty() || !"Secret".equals(kind)) {
                s.refsProblem(GatewayReason.INVALID_CERTIFICATE_REF, "certificateRef " + (group.isEmpty() ? "" : group + "/")
                        + kind + " " + name + ": only core Secrets are supported");
            }
            else if (!grants.permits(GROUP, GATEWAY, gatewayNamespace, "", "Secret", namespace, ref.getName())) {
                s.refsProblem(GatewayReason.REF_NOT_PERMITTED, "certificateRef Secret " + name
                        + ": no ReferenceGrant in namespace " + namespace + " allows Gateways of namespace " + gatewayNamespace);
            }
            else if (!settings.tlsSecrets().contains(name)) {
                s.refsProblem(GatewayReason.INVALID_CERTIFICATE_REF, "certificateRef Secret " + name
                        + " is not among the certificates this Isthmus deployment serves " + settings.tlsSecrets()
                        + " (it reads no Secrets: list it in the chart's tls.certificates)");
            }
        }
    }

    private static void kinds(ListenerState s) {
        List<RouteGroupKind> kinds = s.listener.getAllowedRoutes() == null ? List.of() : nonNull(s.listener.getAllowedRoutes().getKinds());
        if (kinds.isEmpty()) {
            s.admitsHttpRoutes = true;
            s.supportedKinds.add(httpRouteKind());
            return;
        }
        for (RouteGroupKind k : kinds) {
            String group = k.getGroup() == null ? GROUP : k.getGroup();
            if (GROUP.equals(group) && HTTP_ROUTE.equals(k.getKind())) {
                s.admitsHttpRoutes = true;
                s.supportedKinds.add(httpRouteKind());
            }
            else {
                s.refsProblem(GatewayReason.INVALID_ROUTE_KINDS, "route kind " + group + "/" + k.getKind()
                        + " is not supported: Isthmus serves HTTPRoutes");
            }
        }
    }

    private static RouteGroupKind httpRouteKind() {
        return new RouteGroupKindBuilder().withGroup(GROUP).withKind(HTTP_ROUTE).build();
    }

    private GatewayStatus gatewayStatus(Gateway g, List<ListenerState> listeners, List<String> addresses) {
        Long gen = g.getMetadata().getGeneration();
        List<ListenerStatus> ls = new ArrayList<>();
        for (ListenerState s : listeners) {
            List<Condition> c = new ArrayList<>();
            c.add(s.accepted() ? condition(ACCEPTED, true, GatewayReason.ACCEPTED, "", gen)
                    : condition(ACCEPTED, false, s.acceptedReason, s.acceptedMessage, gen));
            c.add(s.resolved() ? condition(RESOLVED_REFS, true, GatewayReason.RESOLVED_REFS, "", gen)
                    : condition(RESOLVED_REFS, false, s.refsReason, String.join("; ", s.refsMessages), gen));
            c.add(s.programmed() ? condition(PROGRAMMED, true, GatewayReason.PROGRAMMED, "", gen)
                    : condition(PROGRAMMED, false, GatewayReason.INVALID, "not served: "
                            + (s.accepted() ? String.join("; ", s.refsMessages) : s.acceptedMessage), gen));
            c.add(condition(CONFLICTED, false, GatewayReason.NO_CONFLICTS, "", gen));
            ls.add(new ListenerStatusBuilder().withName(s.listener.getName()).withAttachedRoutes(s.attached)
                    .withSupportedKinds(s.supportedKinds).withConditions(c).build());
        }
        List<GatewayStatusAddress> statusAddresses = addresses.stream().map(GatewayApiTranslator::address).toList();
        List<Condition> conditions = new ArrayList<>();
        boolean anyListener = listeners.stream().anyMatch(ListenerState::programmed);
        List<String> unsupported = nonNull(g.getSpec().getAddresses()).stream().map(a -> a.getValue())
                .filter(v -> v != null && !addresses.contains(v)).toList();
        if (!unsupported.isEmpty()) {
            conditions.add(condition(ACCEPTED, false, GatewayReason.UNSUPPORTED_ADDRESS, "spec.addresses " + unsupported
                    + ": a Gateway gets the addresses of the Isthmus deployment's Service " + addresses + ", it cannot ask for others", gen));
        }
        else if (!listeners.isEmpty() && listeners.stream().noneMatch(ListenerState::accepted)) {
            conditions.add(condition(ACCEPTED, false, GatewayReason.LISTENERS_NOT_VALID, "no listener can be served", gen));
        }
        else {
            conditions.add(condition(ACCEPTED, true, GatewayReason.ACCEPTED, "", gen));
        }
        if (addresses.isEmpty()) {
            conditions.add(condition(PROGRAMMED, false, GatewayReason.ADDRESS_NOT_ASSIGNED,
                    "the Isthmus deployment's Service has no address yet", gen));
        }
        else if (!anyListener || !unsupported.isEmpty()) {
            conditions.add(condition(PROGRAMMED, false, GatewayReason.INVALID, "no listener is programmed", gen));
        }
        else {
            conditions.add(condition(PROGRAMMED, true, GatewayReason.PROGRAMMED, "", gen));
        }
        return new GatewayStatusBuilder().withAddresses(statusAddresses).withConditions(conditions).withListeners(ls).build();
    }

    private static GatewayStatusAddress address(String value) {
        boolean ip = value.indexOf(':') >= 0 || value.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch));
        return new GatewayStatusAddressBuilder().withType(ip ? "IPAddress" : "Hostname").withValue(value).build();
    }

    // --- attachment ---

    /** Where one parentRef attaches, and its Accepted condition; null when it does not name a served Gateway. */
    private record Attachment(ParentReference statusRef, Condition accepted, List<ListenerState> listeners) {
    }

    private Attachment attach(HTTPRoute route, ParentReference ref, Map<String, List<ListenerState>> gateways,
            Map<String, Map<String, String>> namespaceLabels) {
        String group = ref.getGroup() == null ? GROUP : ref.getGroup();
        String kind = ref.getKind() == null ? GATEWAY : ref.getKind();
        String routeNamespace = route.getMetadata().getNamespace();
        String namespace = ref.getNamespace() == null || ref.getNamespace().isEmpty() ? routeNamespace : ref.getNamespace();
        if (!GROUP.equals(group) || !GATEWAY.equals(kind)) {
            return null;
        }
        List<ListenerState> listeners = gateways.get(namespace + "/" + ref.getName());
        if (listeners == null) {
            return null;
        }
        ParentReference statusRef = new ParentReferenceBuilder().withGroup(GROUP).withKind(GATEWAY).withNamespace(namespace)
                .withName(ref.getName()).withSectionName(ref.getSectionName()).withPort(ref.getPort()).build();
        Long gen = generation(route);
        List<ListenerState> selected = listeners.stream()
                .filter(l -> ref.getSectionName() == null || ref.getSectionName().equals(l.listener.getName()))
                .filter(l -> ref.getPort() == null || ref.getPort().equals(l.listener.getPort())).toList();
        if (selected.isEmpty()) {
            String what = ref.getSectionName() != null && ref.getPort() != null
                    ? "listener " + ref.getSectionName() + " on port " + ref.getPort()
                    : ref.getSectionName() != null ? "listener " + ref.getSectionName() : ref.getPort() != null ? "listener on port " + ref.getPort()
                            : "listener";
            return new Attachment(statusRef, condition(ACCEPTED, false, GatewayReason.NO_MATCHING_PARENT,
                    "Gateway " + namespace + "/" + ref.getName() + " has no " + what, gen), List.of());
        }
        List<ListenerState> allowed = selected.stream().filter(l -> l.admitsHttpRoutes)
                .filter(l -> admits(l, routeNamespace, namespaceLabels)).toList();
        if (allowed.isEmpty()) {
            return new Attachment(statusRef, condition(ACCEPTED, false, GatewayReason.NOT_ALLOWED_BY_LISTENERS,
                    "no listener of Gateway " + namespace + "/" + ref.getName() + " admits HTTPRoutes from namespace " + routeNamespace
                            + " (allowedRoutes)", gen), List.of());
        }
        List<String> hostnames = route.getSpec().getHostnames();
        List<ListenerState> matching = allowed.stream()
                .filter(l -> effectiveHostnames(l.hostname(), hostnames) == null || !effectiveHostnames(l.hostname(), hostnames).isEmpty())
                .toList();
        if (matching.isEmpty()) {
            return new Attachment(statusRef, condition(ACCEPTED, false, GatewayReason.NO_MATCHING_LISTENER_HOSTNAME,
                    "hostnames " + hostnames + " intersect no listener hostname of Gateway " + namespace + "/" + ref.getName(), gen), List.of());
        }
        matching.forEach(l -> l.attached++);
        List<ListenerState> programmed = matching.stream().filter(ListenerState::programmed).toList();
        if (programmed.isEmpty()) {
            return new Attachment(statusRef, condition(ACCEPTED, false, GatewayReason.NO_MATCHING_PARENT,
                    "the listeners it attaches to are not programmed (see Gateway " + namespace + "/" + ref.getName() + " status)", gen),
                    List.of());
        }
        return new Attachment(statusRef, condition(ACCEPTED, true, GatewayReason.ACCEPTED, "", gen), programmed);
    }

    private static boolean admits(ListenerState l, String routeNamespace, Map<String, Map<String, String>> namespaceLabels) {
        var namespaces = l.listener.getAllowedRoutes() == null ? null : l.listener.getAllowedRoutes().getNamespaces();
        String from = namespaces == null || namespaces.getFrom() == null ? "Same" : namespaces.getFrom();
        return switch (from) {
            case "All" -> true;
            case "Same" -> routeNamespace.equals(l.gateway.getMetadata().getNamespace());
            case "Selector" -> {
                Map<String, String> labels = namespaceLabels.get(routeNamespace);
                yield labels != null && selects(namespaces.getSelector(), labels);
            }
            default -> false;
        };
    }

    /** A label selector (matchLabels and matchExpressions, all must hold); a null selector selects nothing. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        for (LabelSelectorRequirement r : nonNull(selector.getMatchExpressions())) {
            String value = labels.get(r.getKey());
            List<String> values = nonNull(r.getValues());
            boolean ok = switch (Objects.toString(r.getOperator(), "")) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> labels.containsKey(r.getKey());
                case "DoesNotExist" -> !labels.containsKey(r.getKey());
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The hostnames a route serves on a listener: null for any host, else the intersections
     * (empty when none).
     */
    static List<String> effectiveHostnames(String listenerHostname, List<String> routeHostnames) {
        if (routeHostnames == null || routeHostnames.isEmpty()) {
            return listenerHostname == null ? null : List.of(listenerHostname.toLowerCase(java.util.Locale.ROOT));
        }
        Set<String> out = new LinkedHashSet<>();
        for (String h : routeHostnames) {
            String i = Hostnames.intersect(listenerHostname, h);
            if (i != null) {
                out.add(i);
            }
        }
        return List.copyOf(out);
    }

    /** The listener port a redirect without scheme and port keeps (the Gateway API's rule); null when unattached. */
    private static Integer redirectPort(List<ListenerState> attached) {
        return attached.isEmpty() ? null : attached.get(0).listener.getPort();
    }

    // --- helpers ---

    /**
     * The route's age for the Gateway API's tie-break ("the oldest Route based on creation
     * timestamp"): its creationTimestamp, whenever the gateway first saw it.
     */
    static Instant created(HasMetadata o) {
        String t = o.getMetadata().getCreationTimestamp();
        return t == null ? Instant.EPOCH : Instant.parse(t);
    }

    static Long generation(HasMetadata o) {
        return o.getMetadata().getGeneration() == null ? 0L : o.getMetadata().getGeneration();
    }

    static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() == null ? o.getMetadata().getName()
                : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private static <T extends HasMetadata> List<T> sorted(List<T> objects) {
        List<T> copy = new ArrayList<>(objects);
        copy.sort(Comparator.comparing(GatewayApiTranslator::key));
        return copy;
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
