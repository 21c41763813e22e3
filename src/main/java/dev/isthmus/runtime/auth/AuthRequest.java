package dev.isthmus.runtime.auth;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a guard may read of a request, whichever data plane serves it. Header names are matched
 * case-insensitively.
 */
public interface AuthRequest {

    String method();

    /** {@code http} or {@code https}, as the client used it (a trusted proxy's report included). */
    String scheme();

    /** The Host header as the client sent it, or null. */
    String host();

    /** Raw path and query, as routing saw them. */
    String uri();

    /** Every value of a header, in order; empty when absent. */
    List<String> headers(String name);

    default String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** The trusted client address (isthmus.server.trusted-proxies, PROXY protocol): the request's remote address. */
    InetSocketAddress client();
}
