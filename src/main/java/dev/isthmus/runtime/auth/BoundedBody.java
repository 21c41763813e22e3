package dev.isthmus.runtime.auth;

import java.io.ByteArrayOutputStream;

import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;

/** Reads a response body of at most a given size: a key set or an authorization service's answer never fills the heap. */
final class BoundedBody {

    private BoundedBody() {
    }

    /** The body's bytes; an error once more than {@code max} arrive (the connection is then closed, not pooled). */
    static Mono<byte[]> read(ByteBufFlux body, int max) {
        return body.asByteArray().reduce(new ByteArrayOutputStream(), (out, chunk) -> {
            if (out.size() + chunk.length > max) {
                throw new IllegalStateException("the response is larger than " + max + " bytes");
            }
            out.write(chunk, 0, chunk.length);
            return out;
        }).map(ByteArrayOutputStream::toByteArray).defaultIfEmpty(new byte[0]);
    }

    /** The first {@code max} bytes; the rest is read and dropped, so the connection goes back to the pool. */
    static Mono<byte[]> head(ByteBufFlux body, int max) {
        return body.asByteArray().reduce(new ByteArrayOutputStream(), (out, chunk) -> {
            int room = max - out.size();
            if (room > 0) {
                out.write(chunk, 0, Math.min(room, chunk.length));
            }
            return out;
        }).map(ByteArrayOutputStream::toByteArray).defaultIfEmpty(new byte[0]);
    }
}
