package dev.isthmus.runtime.filter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * One response's gzip stream, chunk in, chunk out: every chunk is sync-flushed, so a streamed response
 * (server-sent events) still reaches the client as it comes, at a small cost in ratio.
 */
final class GzipStream {

    private final DataBufferFactory buffers;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final GZIPOutputStream gzip;
    private boolean closed;

    GzipStream(DataBufferFactory buffers) {
        this.buffers = buffers;
        try {
            this.gzip = new GZIPOutputStream(out, 8192, true);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
    }

    synchronized DataBuffer compress(DataBuffer chunk) {
        try {
            byte[] bytes = new byte[chunk.readableByteCount()];
            chunk.read(bytes);
            gzip.write(bytes);
            gzip.flush();
            return drain();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        finally {
            DataBufferUtils.release(chunk);
        }
    }

    /** The gzip trailer (CRC and length). */
    synchronized DataBuffer finish() {
        try {
            gzip.finish();
            return drain();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Frees the deflater's native memory, whether the response completed or not. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                gzip.close();
            }
            catch (IOException ignored) {
                // nothing to free beyond the deflater, which close() ends first
            }
        }
    }

    private DataBuffer drain() {
        DataBuffer b = buffers.wrap(out.toByteArray());
        out.reset();
        return b;
    }
}
