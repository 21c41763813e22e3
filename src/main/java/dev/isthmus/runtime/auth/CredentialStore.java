package dev.isthmus.runtime.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.isthmus.compile.policy.BasicAuthPolicy;
import dev.isthmus.platform.DaemonThreads;

/**
 * The htpasswd entries routes reference (a Secret's key, or a file), read only while some route
 * references them: the first time when the route is built (so it goes live with its users), then
 * again every {@code refreshInterval} on a thread of its own, never on the request path. Reads fail
 * closed where it matters: a Secret or file that is gone, a key that is missing, or a Secret the
 * gateway may not read leaves no user able to log in; a read that fails otherwise (the API server
 * unreachable) keeps the last entries. Problems (never content) are kept per source for route
 * status, and listeners hear when they change.
 */
public final class CredentialStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CredentialStore.class);
    /** Largest htpasswd text read: a hundred thousand users. */
    static final int MAX_BYTES = 8 * 1024 * 1024;

    /** Reads Secrets (the Kubernetes API), kept out of this class so the request path needs no client. */
    public interface SecretReader {

        /** What reading a Secret gave. */
        sealed interface Result permits Found, NotFound, Forbidden, Failed {
        }

        /** @param data the Secret's data, decoded */
        record Found(Map<String, byte[]> data) implements Result {
        }

        record NotFound() implements Result {
        }

        /** RBAC refused the read. */
        record Forbidden(String message) implements Result {
        }

        /** The API server could not be asked (unreachable, timeout): keep what was read before. */
        record Failed(String message) implements Result {
        }

        Result read(String namespace, String name);

        /** Without Kubernetes: every Secret reference fails, with this reason. */
        SecretReader DISABLED = (ns, name) -> new Failed("the Kubernetes integration is off (isthmus.kubernetes.enabled=false)");
    }

    /** The current entries of one source, and what is wrong with it. */
    public static final class Handle {
        private final BasicAuthPolicy.Htpasswd source;
        private volatile Htpasswd entries = Htpasswd.EMPTY;
        private volatile String problem = "not read yet";

        Handle(BasicAuthPolicy.Htpasswd source) {
            this.source = source;
        }

        public Htpasswd entries() {
            return entries;
        }

        /** What prevents some or all users from logging in, or null. */
        public String problem() {
            return problem;
        }

        public BasicAuthPolicy.Htpasswd source() {
            return source;
        }
    }

    private final SecretReader secrets;
    private final Map<BasicAuthPolicy.Htpasswd, Handle> handles = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService refresher;

    public CredentialStore(SecretReader secrets, Duration refreshInterval) {
        this.secrets = secrets;
        this.refresher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isthmus-credentials"));
        long every = Math.max(1, refreshInterval.toMillis());
        refresher.scheduleWithFixedDelay(this::refreshAll, every, every, TimeUnit.MILLISECONDS);
    }

    /** The handle of a source; read now (on the caller's thread: the route builder's) the first time it is referenced. */
    public Handle handle(BasicAuthPolicy.Htpasswd source) {
        Handle existing = handles.get(source);
        if (existing != null) {
            return existing;
        }
        Handle h = new Handle(source);
        read(h);
        Handle raced = handles.putIfAbsent(source, h);
        return raced != null ? raced : h;
    }

    /** Keeps only these sources (those of the routing table now in service): the others are never read again. */
    public void retain(Collection<BasicAuthPolicy.Htpasswd> inUse) {
        Set<BasicAuthPolicy.Htpasswd> keep = inUse.stream().filter(Objects::nonNull).collect(Collectors.toSet());
        handles.keySet().retainAll(keep);
    }

    /** The problem of a source, or null (route status asks). */
    public String problem(BasicAuthPolicy.Htpasswd source) {
        Handle h = handles.get(source);
        return h == null ? null : h.problem();
    }

    /** Called (on the store's thread) when some source's problem appears or goes. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void refreshAll() {
        boolean changed = false;
        for (Handle h : handles.values()) {
            try {
                changed |= read(h);
            }
            catch (RuntimeException e) {
                log.error("Reading htpasswd {} failed", h.source(), e);
            }
        }
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    /** Reads a source again; true when its problem changed. */
    boolean read(Handle h) {
        String before = h.problem;
        BasicAuthPolicy.Htpasswd s = h.source();
        String text;
        String problem = null;
        if (s.isSecret()) {
            SecretReader.Result r = secrets.read(s.namespace(), s.secret());
            if (r instanceof SecretReader.Found f) {
                byte[] value = f.data().get(s.key());
                text = value == null ? null : new String(value, StandardCharsets.UTF_8);
                problem = value == null ? "secret " + s.namespace() + "/" + s.secret() + " has no key " + s.key() : null;
            }
            else if (r instanceof SecretReader.NotFound) {
                text = null;
                problem = "secret " + s.namespace() + "/" + s.secret() + " not found";
            }
            else if (r instanceof SecretReader.Forbidden f) {
                text = null;
                problem = "the gateway may not read secret " + s.namespace() + "/" + s.secret() + " (RBAC: get on secrets in " + s.namespace()
                        + "): " + f.message();
            }
            else {
                String why = ((SecretReader.Failed) r).message();
                if (h.entries != Htpasswd.EMPTY || h.problem == null) {
                    log.warn("Could not read secret {}/{} ({}); keeping its last entries", s.namespace(), s.secret(), why);
                    return false; // keep what we have
                }
                text = null;
                problem = "secret " + s.namespace() + "/" + s.secret() + " could not be read: " + why;
            }
        }
        else {
            try {
                Path file = Path.of(s.file());
                if (Files.size(file) > MAX_BYTES) {
                    text = null;
                    problem = "file " + s.file() + " is larger than " + MAX_BYTES + " bytes";
                }
                else {
                    text = Files.readString(file, StandardCharsets.UTF_8);
                }
            }
            catch (NoSuchFileException e) {
                text = null;
                problem = "file " + s.file() + " not found";
            }
            catch (IOException | RuntimeException e) {
                if (h.entries != Htpasswd.EMPTY) {
                    log.warn("Could not read htpasswd file {} ({}); keeping its last entries", s.file(), e.toString());
                    return false;
                }
                text = null;
                problem = "file " + s.file() + " could not be read: " + e.getClass().getSimpleName();
            }
        }
        Htpasswd parsed = text == null ? Htpasswd.EMPTY : Htpasswd.parse(text);
        if (problem == null && !parsed.problems().isEmpty()) {
            problem = s + ": " + String.join("; ", parsed.problems());
        }
        if (!parsed.equals(h.entries)) {
            log.info("htpasswd {}: {} user(s)", s, parsed.size());
        }
        h.entries = parsed;
        h.problem = problem;
        if (problem != null && !problem.equals(before)) {
            log.warn("htpasswd {}: {}", s, problem);
        }
        return !Objects.equals(before, problem);
    }

    /** Every source's state, for the admin endpoints: where, how many users, what is wrong. Never content. */
    public List<Map<String, Object>> describe() {
        return handles.values().stream().map(h -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("source", h.source().toString());
            m.put("users", h.entries().size());
            if (h.problem() != null) {
                m.put("problem", h.problem());
            }
            return m;
        }).toList();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
