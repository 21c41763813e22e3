package anchor;

import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The transport ceiling of the benchmarks: the least a Reactor Netty reverse proxy can do. Every
 * request is sent to one upstream over a pooled keep-alive client, with the same method, URI and
 * headers (less the hop-by-hop ones and Host), the request body streamed up and the response
 * streamed back with its status and headers. No routing, no filters, no metrics, no Spring: what
 * Isthmus does on top of this is what the ratio Isthmus / raw measures.
 *
 * <pre>java -jar raw-proxy.jar PORT UPSTREAM_URL</pre>
 */
public final class RawProxy {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "host");

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String upstream = args[1];
        HttpClient client = HttpClient.create(ConnectionProvider.builder("upstream").maxConnections(500).build())
                .baseUrl(upstream).keepAlive(true);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(port)
                .handle((request, response) -> client.headers(h -> copy(request.requestHeaders(), h))
                        .request(request.method()).uri(request.uri()).send(request.receive().retain())
                        .response((upstreamResponse, body) -> {
                            response.status(upstreamResponse.status());
                            copy(upstreamResponse.responseHeaders(), response.responseHeaders());
                            return response.send(body.retain()).then();
                        })
                        .then())
                .bindNow();
        System.out.println("raw proxy on 127.0.0.1:" + server.port() + " -> " + upstream);
        server.onDispose().block();
    }

    private static void copy(HttpHeaders from, HttpHeaders to) {
        from.forEach(e -> {
            if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                to.add(e.getKey(), e.getValue());
            }
        });
    }
}
