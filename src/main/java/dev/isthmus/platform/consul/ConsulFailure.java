package dev.isthmus.platform.consul;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;

import javax.net.ssl.SSLException;

import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Why a Consul request failed, classified so operators read "ACL: token not found" or "TLS:
 * handshake failed" rather than "no services". Every failure keeps the last known catalog.
 */
public final class ConsulFailure extends RuntimeException {

    /** What kind of failure: the label used in logs, status, health details and metrics. */
    public enum Kind {
        /** Connection refused, reset or timed out: the agent is down or unreachable. */
        UNREACHABLE,
        /** TLS handshake or certificate problem, or http/https mismatch. */
        TLS,
        /** The token is unknown, lacks a permission, or the agent's default policy hides everything. */
        ACL,
        /** The datacenter is unknown to the agent ("No path to datacenter"). */
        DATACENTER,
        /** The cluster has no leader (restarting or lost quorum). */
        NO_LEADER,
        /** Too many concurrent connections or requests from this client (HTTP 429). */
        RATE_LIMITED,
        /** Any other non-200 answer. */
        HTTP,
        /** An answer that could not be read. */
        INVALID_RESPONSE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Kind kind;

    public ConsulFailure(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public ConsulFailure(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** {@code ACL: token not found (X-Consul-Token rejected)}: what status and logs show. */
    public String describe() {
        return kind.name().replace('_', ' ') + ": " + getMessage();
    }

    /** Classifies a failed HTTP answer. */
    static ConsulFailure ofStatus(int status, String body, String what) {
        String text = body == null ? "" : body.strip();
        if (text.length() > 200) {
            text = text.substring(0, 200) + "...";
        }
        if (status == 403) {
            String hint = text.contains("ACL not found") ? "the token is unknown to Consul (check spring.cloud.consul.token)"
                    : "the token lacks a permission (needs service:read and node:read)";
            return new ConsulFailure(Kind.ACL, what + " denied (403 " + text + "): " + hint);
        }
        if (status == 429) {
            return new ConsulFailure(Kind.RATE_LIMITED, what + " refused (429 " + text + "): too many connections or requests from"
                    + " this gateway; raise the agent's limits.http_max_conns_per_client or watch fewer services");
        }
        if (status == 400 && text.contains("HTTPS server")) {
            return new ConsulFailure(Kind.TLS, what + ": the agent expects HTTPS (set spring.cloud.consul.scheme=https): " + text);
        }
        if (status == 500 && text.contains("No path to datacenter")) {
            return new ConsulFailure(Kind.DATACENTER, what + ": the agent knows no such datacenter (" + text + ")");
        }
        if (status == 500 && text.contains("No cluster leader")) {
            return new ConsulFailure(Kind.NO_LEADER, what + ": " + text);
        }
        return new ConsulFailure(Kind.HTTP, what + " answered " + status + (text.isEmpty() ? "" : ": " + text));
    }

    /**
     * Like {@link #ofError(Throwable, String)}, for a client that presents a certificate. Under TLS
     * 1.3 an agent checks the client certificate after the client has finished its handshake, and
     * refuses an untrusted one with an alert the client may never read: all it sees is the
     * connection closing before any answer, which is also what an agent going away looks like. The
     * kind stays UNREACHABLE (it may be an outage); the message names the likelier cause.
     */
    static ConsulFailure ofError(Throwable error, String what, boolean clientCertificate) {
        ConsulFailure failure = ofError(error, what);
        if (!clientCertificate || failure.kind() != Kind.UNREACHABLE || !closedBeforeAnswer(error)) {
            return failure;
        }
        return new ConsulFailure(Kind.UNREACHABLE, failure.getMessage() + "; if this persists while the agent is up, it does not trust"
                + " this gateway's client certificate (spring.cloud.consul.tls.certificate-path): under TLS 1.3 an agent refuses one"
                + " by closing the connection", error);
    }

    private static boolean closedBeforeAnswer(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof EOFException || (t instanceof IOException && t.getMessage() != null
                    && t.getMessage().contains("received no bytes"))) {
                return true;
            }
        }
        return false;
    }

    /** Classifies a transport error (connection, TLS, timeout). */
    static ConsulFailure ofError(Throwable error, String what) {
        if (error instanceof ConsulFailure f) {
            return f;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new ConsulFailure(Kind.TLS, what + ": " + t.getClass().getSimpleName() + ": " + t.getMessage(), error);
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return new ConsulFailure(Kind.UNREACHABLE, what + ": connect timed out", error);
            }
            if (t instanceof HttpTimeoutException) {
                return new ConsulFailure(Kind.UNREACHABLE, what + ": no answer in time (blocking wait plus margin)", error);
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return new ConsulFailure(Kind.UNREACHABLE, what + ": cannot connect (" + t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")", error);
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                // a connection reset or closed mid-answer: the agent went away
                return new ConsulFailure(Kind.UNREACHABLE, what + ": connection lost (" + t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")", error);
            }
        }
        return new ConsulFailure(Kind.INVALID_RESPONSE, what + ": " + error, error);
    }
}
