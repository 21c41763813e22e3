package dev.isthmus.runtime.filter;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

import dev.isthmus.runtime.RouteAttributes;
import dev.isthmus.server.RequestOutcome;

/**
 * The gateway's own answer to a request it refuses before any routing (or, with a 500, to one
 * routed to a Gateway API backendRef that cannot be used; with a 413, to a body over the route's limit): plain text, the status's reason phrase,
 * then why.
 */
final class BadRequest {

    private BadRequest() {
    }

    static Mono<Void> answer(ServerWebExchange exchange, String reason) {
        return answer(exchange, HttpStatus.BAD_REQUEST, reason);
    }

    static Mono<Void> answer(ServerWebExchange exchange, HttpStatus status, String reason) {
        exchange.getAttributes().put(RouteAttributes.OUTCOME, switch (status) {
            case NOT_IMPLEMENTED -> RequestOutcome.NOT_IMPLEMENTED;
            case EXPECTATION_FAILED -> RequestOutcome.EXPECTATION_FAILED;
            case PAYLOAD_TOO_LARGE -> RequestOutcome.BODY_TOO_LARGE;
            default -> RequestOutcome.BAD_REQUEST;
        });
        exchange.getResponse().setStatusCode(status);
        exchange.getResponse().getHeaders().setContentType(MediaType.TEXT_PLAIN);
        DataBuffer body = exchange.getResponse().bufferFactory().wrap((status.getReasonPhrase() + ": " + reason + "\n")
                .getBytes(StandardCharsets.UTF_8));
        return exchange.getResponse().writeWith(Mono.just(body));
    }
}
